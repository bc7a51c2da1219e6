// Defers OpenSSL's TLS initialisation at load time.
//
// Debian's shared libcpp-httplib is built with TLS support, and a static
// object in it calls OPENSSL_init_ssl() while the library loads, although
// ddb-local serves plain HTTP only. That call reads openssl.cnf and loads
// every error string and cipher table: measured with callgrind, 3M
// instructions of a restart's ~17M to the first answer, and 1.9 MB of
// libcrypto left resident.
//
// How: this executable defines OPENSSL_init_ssl, so the dynamic linker binds
// libcpp-httplib's call to it (the executable comes first in the global
// lookup scope; the linker exports the symbol because a shared library on
// the link line uses it). A call made while the shared libraries are being
// initialised, before this executable's own constructors ran, returns success
// and does nothing. Every later call is forwarded to libssl's function
// (dlsym(RTLD_NEXT)), so TLS, if anything ever uses it, initialises as
// usual. libcrypto's digests (MD5 and EVP: WAL records, scrub digests)
// initialise themselves on first use and never needed this call.
//
// Thread safety: the flag is written once by a constructor, before main()
// and before any thread exists.
#include <dlfcn.h>

#include <cstdint>

struct ossl_init_settings_st;  // OPENSSL_INIT_SETTINGS, unused here

namespace {

bool libraries_initialised = false;  // zero-initialised before any constructor runs

__attribute__((constructor)) void MarkLibrariesInitialised() { libraries_initialised = true; }

}  // namespace

extern "C" int OPENSSL_init_ssl(uint64_t opts, const ossl_init_settings_st* settings) {
  if (!libraries_initialised) return 1;  // libcpp-httplib's load-time call: not needed
  using InitSsl = int (*)(uint64_t, const ossl_init_settings_st*);
  static const InitSsl real = reinterpret_cast<InitSsl>(dlsym(RTLD_NEXT, "OPENSSL_init_ssl"));
  return real != nullptr ? real(opts, settings) : 0;
}
