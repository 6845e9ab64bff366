// Run as a child process: opens the embedded database in the directory given as the first argument, as Kabinet
// does, prints "ready", and keeps it open until SIGTERM (or until killed, which leaves a stale lock behind).
import { openDatabase } from '../../core/db/database.ts';

const database = await openDatabase({ kind: 'pglite', dataDir: process.argv[2]! });
await database.ping();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void database.close().then(() => process.exit(0));
});
setInterval(() => {}, 60_000);
