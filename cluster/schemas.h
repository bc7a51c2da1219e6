// The SQL schemas of a storage node's file and of meta.sqlite, in one place
// for the stores that open them (node_store.cc, meta_store.cc) and for the
// build-time generator of their file images (schema_images.h).
#pragma once

#include <cstdint>

namespace ddb::cluster {

namespace node_schema {
// PRAGMA user_version of a file that has the whole schema below. Raise it
// with every schema change, and make NodeStore::Upgrade() bring an older
// file to it. Version 2 keeps each replica's item totals in its replicas
// row (item_totals), where version 1 kept them in an item_stats table
// maintained by triggers.
inline constexpr int64_t kVersion = 2;

inline constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS replicas(
  group_id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL, members TEXT NOT NULL,
  hash_lo INTEGER NOT NULL, hash_hi INTEGER NOT NULL,
  promised INTEGER NOT NULL DEFAULT 0, commit_lsn INTEGER NOT NULL DEFAULT 0,
  trim_lsn INTEGER NOT NULL DEFAULT 0, applied_lsn INTEGER NOT NULL DEFAULT 0,
  config BLOB NOT NULL DEFAULT x'', joined_lsn INTEGER NOT NULL DEFAULT 0,
  log_replica INTEGER NOT NULL DEFAULT 0, item_totals BLOB NOT NULL DEFAULT x'');
CREATE TABLE IF NOT EXISTS wal(
  group_id INTEGER NOT NULL, lsn INTEGER NOT NULL, ballot INTEGER NOT NULL,
  data BLOB NOT NULL, crc INTEGER NOT NULL, kind INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(group_id, lsn)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS items(
  group_id INTEGER NOT NULL, h BLOB NOT NULL, hk BLOB NOT NULL, rk BLOB NOT NULL,
  item BLOB NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY(group_id, h, hk, rk)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox(
  group_id INTEGER NOT NULL, lsn INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY(group_id, lsn, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS locks(
  group_id INTEGER NOT NULL, hk BLOB NOT NULL, rk BLOB NOT NULL, txn BLOB NOT NULL,
  shared INTEGER NOT NULL, decision_group INTEGER NOT NULL, staged BLOB NOT NULL,
  PRIMARY KEY(group_id, hk, rk, txn)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS locks_by_txn ON locks(group_id, txn);
CREATE TABLE IF NOT EXISTS decisions(
  group_id INTEGER NOT NULL, txn BLOB NOT NULL, committed INTEGER NOT NULL,
  PRIMARY KEY(group_id, txn)) WITHOUT ROWID;
)sql";

// What an upgrade to version 2 removes: version 1's item_stats table and
// the triggers that kept it.
inline constexpr const char* kDropItemStats = R"sql(
DROP TRIGGER IF EXISTS item_stats_insert;
DROP TRIGGER IF EXISTS item_stats_delete;
DROP TRIGGER IF EXISTS item_stats_update;
DROP TABLE IF EXISTS item_stats;
)sql";
}  // namespace node_schema

namespace meta_schema {
// PRAGMA user_version of a file with the whole schema below; raise it with
// every schema change (Open upgrades older files).
inline constexpr int64_t kVersion = 1;

inline constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS tables(
  name TEXT PRIMARY KEY, id INTEGER NOT NULL, schema BLOB NOT NULL,
  created_ms INTEGER NOT NULL, state INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS partitions(
  table_id INTEGER NOT NULL, idx INTEGER NOT NULL, group_id INTEGER NOT NULL,
  hash_lo INTEGER NOT NULL, hash_hi INTEGER NOT NULL, members TEXT NOT NULL,
  log_members TEXT NOT NULL DEFAULT '', PRIMARY KEY(table_id, idx));
CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
)sql";
}  // namespace meta_schema

}  // namespace ddb::cluster
