/**
 * The state of a transactional id as its coordinator holds it (DescribeTransactions, KIP-664): 'Ongoing'
 * while a transaction is open, 'CompleteCommit' or 'CompleteAbort' after one, 'Empty' before the first.
 * Lets a test tell whether a stopped scorer process left a transaction open. Requests go through
 * @platformatic/kafka's own API functions, as the adapter's coordinator requests do.
 */
import {
  Admin,
  type Connection,
  type describeTransactionsV0,
  FindCoordinatorKeyTypes,
  type findCoordinatorV6,
  kGetBootstrapConnection,
  kGetConnection,
} from '@platformatic/kafka';
import { libraryApi, promised } from '../../src/kafka/platformatic/coordinator.ts';

type FindCoordinatorResponse = findCoordinatorV6.FindCoordinatorResponse;
type DescribeTransactionsResponse = describeTransactionsV0.DescribeTransactionsResponse;

export async function transactionState(brokers: readonly string[], transactionalId: string): Promise<string> {
  const client = new Admin({ clientId: 'stream-scorer-test-transaction-state', bootstrapBrokers: [...brokers] });
  try {
    const bootstrap = await promised<Connection>((callback) => client[kGetBootstrapConnection](callback));
    const find = await libraryApi<[number, string[]], FindCoordinatorResponse>(client, 'FindCoordinator');
    const { coordinators } = await find.async(bootstrap, FindCoordinatorKeyTypes.TRANSACTION, [transactionalId]);
    const node = coordinators.find((c) => c.key === transactionalId)?.nodeId;
    const metadata = await client.metadata({ topics: [] });
    const broker = node === undefined ? undefined : metadata.brokers.get(node);
    if (broker === undefined) throw new Error(`no transaction coordinator for "${transactionalId}"`);
    const connection = await promised<Connection>((callback) => client[kGetConnection](broker, callback));
    const describe = await libraryApi<[string[]], DescribeTransactionsResponse>(client, 'DescribeTransactions');
    const [state] = (await describe.async(connection, [transactionalId])).transactionStates;
    if (state === undefined || state.errorCode !== 0) throw new Error(`DescribeTransactions "${transactionalId}": error code ${state?.errorCode}`);
    return state.transactionState;
  } finally {
    await client.close();
  }
}
