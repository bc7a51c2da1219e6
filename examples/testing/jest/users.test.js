// An application's tests in the style docs/testing.md shows: each may change
// the data freely; the next still finds the seeded state.
const {
  ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand,
} = require('@aws-sdk/client-dynamodb');

const ddb = new DynamoDBClient({
  endpoint: process.env.DDB_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

afterAll(() => ddb.destroy());

// The application code under test: spends credits, never below zero.
function spend(userId, amount) {
  return ddb.send(new UpdateItemCommand({
    TableName: 'Users', Key: { id: { S: userId } },
    UpdateExpression: 'SET credits = credits - :a', ConditionExpression: 'credits >= :a',
    ExpressionAttributeValues: { ':a': { N: String(amount) } },
  }));
}

async function credits(userId) {
  const out = await ddb.send(new GetItemCommand({ TableName: 'Users', Key: { id: { S: userId } } }));
  return Number(out.Item.credits.N);
}

test('the seeded users are there', async () => {
  const out = await ddb.send(new ScanCommand({ TableName: 'Users' }));
  expect(out.Items.map((u) => u.id.S).sort()).toEqual(['alice', 'bob', 'carol']);
});

test('spending lowers the credits and never below zero', async () => {
  await spend('alice', 4);
  expect(await credits('alice')).toBe(6);
  await expect(spend('bob', 1)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
});

test.each(Array.from({ length: 20 }, (_, i) => i))('test %i starts from the seed', async (i) => {
  expect(await credits('alice')).toBe(10);
  await spend('alice', 10);
  await ddb.send(new PutItemCommand({ TableName: 'Users', Item: { id: { S: `temp-${i}` } } }));
  const out = await ddb.send(new ScanCommand({ TableName: 'Users', Select: 'COUNT' }));
  expect(out.Count).toBe(4);
});
