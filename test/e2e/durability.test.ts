import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, chmodSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { partitionOf } from '../../src/queue/partition.js';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { rpcError, TestCsms } from '../helpers/csms-peer.js';
import {
  admin,
  body,
  DurabilityLab,
  median,
  sample,
  timedSend,
  type StorageMode,
  type TimedReply,
} from '../helpers/durability.js';
import { GatewayProcess, runGatewayToExit } from '../helpers/processes.js';
import { assertRetryLater, responseFields } from '../helpers/soap.js';
import { sleep, until } from '../helpers/wait.js';

/**
 * Durability with real processes (docs/architecture.md#delivery-semantics): gateway processes (`node --import tsx
 * src/main.ts`) on an embedded store in a DATA_DIR of the test's own, or on a Redis of the test's own (AOF, fsync
 * always); a strict OCPP-J CSMS that is stopped and started again on the same port; SOAP chargers as raw envelopes
 * and a node-soap ChargePointService. Each gateway process logs to a file named in the failures.
 */

const MODES: StorageMode[] = ['embedded', 'redis'];
const figures: string[] = [];

after(() => {
  if (figures.length === 0) return;
  console.log('\ndurability figures');
  for (const line of figures) console.log(`  ${line}`);
});

const minute = (base: string, n: number) => new Date(Date.parse(base) + n * 60_000).toISOString();
const fieldOf = (t: TimedReply, element: string, name: string) =>
  responseFields(t.reply, element).find(([n]) => n === name)?.[1];

function assertAcknowledged(t: TimedReply, what: string, log: string): void {
  assert.equal(
    t.reply.status,
    200,
    `${what}: HTTP ${t.reply.status} (${t.reply.text.slice(0, 200)}); gateway log: ${log}`,
  );
}

// The storage modes and the start errors run side by side (each has its own CSMS, Redis and directories).
describe('durability', { concurrency: true }, () => {
  for (const mode of MODES) {
    describe(`durability with real processes (${mode})`, { timeout: 180_000, concurrency: 1 }, () => {
      let lab: DurabilityLab;
      const running: GatewayProcess[] = [];
      /** Started and remembered, so that a failing test leaves no process behind. */
      const start = async (gw: GatewayProcess) => {
        running.push(gw);
        return gw.start();
      };

      before(async () => {
        lab = await new DurabilityLab(mode).start();
      });
      after(async () => {
        for (const gw of running) await gw.stop();
        await lab.stop();
        rmSync(lab.dir, { recursive: true, force: true });
      });

      it('an outage is answered at once; after a SIGTERM and a kill -9 restart everything acknowledged reaches the CSMS in order', async () => {
        const { csms } = lab;
        const id = `CP-OUTAGE-${mode}`;
        const store = lab.newStore();
        csms.handlers.StartTransaction = () => ({ transactionId: 4242, idTagInfo: { status: 'Accepted' } });
        let gw = await start(lab.gateway('outage-1', store));

        // Before the outage: boot and a transaction, answered by the CSMS.
        const boot = await timedSend(gw.soapUrl, id, body.boot());
        assertAcknowledged(boot, 'BootNotification', gw.logFile);
        assert.equal(fieldOf(boot, 'bootNotificationResponse', 'status'), 'Accepted');
        const started = await timedSend(gw.soapUrl, id, body.start('TAG-1', '2024-06-01T09:59:00Z', 0));
        assertAcknowledged(started, 'StartTransaction', gw.logFile);
        const transactionId = Number(fieldOf(started, 'startTransactionResponse', 'transactionId'));
        assert.equal(transactionId, 4242, 'the CSMS gave the transaction id');

        await lab.csmsDown();
        const outageStart = csms.calls.length;
        const base = '2024-06-01T10:00:00.000Z';
        const sent: { label: string; timestamp: string; value?: number }[] = [];
        const answers: { label: string; t: TimedReply }[] = [];
        const refusals: TimedReply[] = [];
        const meter = async (n: number) => {
          const timestamp = minute(base, n);
          const t = await timedSend(gw.soapUrl, id, body.meter(transactionId, timestamp, n * 10));
          sent.push({ label: `MeterValues ${n}`, timestamp, value: n * 10 });
          answers.push({ label: `MeterValues ${n}`, t });
        };

        // Outage, first process: 15 MeterValues one at a time, and a decision refused at once.
        for (let n = 1; n <= 15; n++) {
          await meter(n);
          if (n === 5) refusals.push(await timedSend(gw.soapUrl, id, body.authorize('TAG-1')));
        }
        const beforeSigterm = answers.length;
        const sigtermAt = performance.now();
        await gw.stop(); // SIGTERM, the CSMS still down
        const sigtermMs = performance.now() - sigtermAt;

        if (mode === 'redis') {
          // A stopping instance gives its jobs back without a failed attempt.
          const queue = new Queue(`upstream-p${partitionOf(id, 4)}`, {
            connection: { host: '127.0.0.1', port: lab.redis!.port },
            prefix: store,
          });
          try {
            const jobs = (await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'failed'])).filter(
              (j) => j && JSON.stringify(j.data).includes(id),
            );
            assert.ok(jobs.length > 0, 'the stored messages wait in BullMQ after the SIGTERM');
            assert.deepEqual(
              jobs
                .filter((j) => j.attemptsMade !== 0 || j.failedReason)
                .map((j) => ({ id: j.id, attemptsMade: j.attemptsMade, failedReason: j.failedReason })),
              [],
              'no job counts a failed attempt after the SIGTERM',
            );
          } finally {
            await queue.close();
          }
        }

        // Outage, second process on the same store: restored messages wait, the charger goes on.
        gw = await start(lab.gateway('outage-2', store));
        refusals.push(await timedSend(gw.soapUrl, id, body.authorize('TAG-1')));
        for (let n = 16; n <= 30; n++) await meter(n);
        const stopAt = minute(base, 31);
        const stop = await timedSend(gw.soapUrl, id, body.stop(transactionId, stopAt, 300));
        sent.push({ label: 'StopTransaction', timestamp: stopAt });
        answers.push({ label: 'StopTransaction', t: stop });
        await gw.killAndWait(); // kill -9, the CSMS still down

        // Third process; the charger's state survived both restarts.
        gw = await start(lab.gateway('outage-3', store));
        const status = await admin(gw, `/api/chargers/${encodeURIComponent(id)}`);
        assert.equal(status.status, 200, status.text);
        assert.equal(status.json.registration, 'Accepted', 'registration survives the restarts');
        assert.deepEqual(
          status.json.openTransactions.map((t: { transactionId: number }) => t.transactionId),
          [4242],
          'the open transaction survives the restarts',
        );

        for (const { label, t } of answers) assertAcknowledged(t, label, gw.logFile);
        for (const r of refusals) {
          assertRetryLater(r.reply);
          assert.ok(r.ms < 1_000, `Authorize during the outage answered 503 in ${r.ms.toFixed(0)} ms, not at once`);
        }
        const times = answers.map((a) => a.t.ms);
        const med = median(times);
        const max = Math.max(...times);
        assert.ok(med < 1_000, `median answer time during the outage ${med.toFixed(0)} ms (CSMS_TIMEOUT_MS 20 s)`);

        await lab.csmsUp();
        const backAt = performance.now();
        await until(
          () => csms.callsFor(id, 'StopTransaction').length > 0,
          `the StopTransaction to reach the CSMS (log: ${gw.logFile})`,
          60_000,
        );
        const drainMs = performance.now() - backAt;

        const delivered = csms.calls
          .slice(outageStart)
          .filter((c) => c.identity === id && (c.action === 'MeterValues' || c.action === 'StopTransaction'));
        const labelOf = (c: (typeof delivered)[number]) =>
          c.action === 'StopTransaction' ? 'StopTransaction' : `MeterValues ${Number(sample(c.payload).value) / 10}`;
        const firsts = new Map<string, (typeof delivered)[number]>();
        for (const c of delivered) if (!firsts.has(labelOf(c))) firsts.set(labelOf(c), c);
        assert.deepEqual(
          [...firsts.keys()],
          sent.map((s) => s.label),
          'every acknowledged message delivered, in the order sent',
        );
        for (const s of sent) {
          const c = firsts.get(s.label)!;
          if (c.action === 'MeterValues') {
            assert.deepEqual(
              sample(c.payload),
              { timestamp: s.timestamp, value: String(s.value) },
              `${s.label}: original timestamp and value`,
            );
            assert.equal(c.payload.transactionId, 4242, `${s.label}: the CSMS's transaction id`);
          } else {
            assert.equal(c.payload.timestamp, s.timestamp, 'StopTransaction: original timestamp');
            assert.equal(c.payload.transactionId, 4242, "StopTransaction: the CSMS's transaction id");
            assert.equal(c.payload.meterStop, 300);
          }
        }
        const duplicates = delivered.length - firsts.size;
        // Nothing was in flight at the kill (the CSMS was down): at most one message may come twice.
        assert.ok(duplicates <= 1, `${duplicates} duplicates`);
        assert.equal(csms.callsFor(id, 'Authorize').length, 0, 'an Authorize refused with 503 is never sent later');
        assert.deepEqual(csms.schemaFailures, []);

        // The backlog is over: a decision goes to the CSMS again.
        const authorized = await timedSend(gw.soapUrl, id, body.authorize('TAG-1'));
        assertAcknowledged(authorized, 'Authorize after the backlog', gw.logFile);
        figures.push(
          `${mode} outage: ${answers.length} acknowledged (HTTP 200; ${beforeSigterm} before the SIGTERM, ${answers.length - beforeSigterm} before the kill -9), answer median ${med.toFixed(1)} ms, max ${max.toFixed(1)} ms; ` +
            `Authorize 503 in ${refusals.map((r) => r.ms.toFixed(1)).join(' / ')} ms; delivered ${firsts.size} of ${sent.length} after SIGTERM + kill -9, ${duplicates} duplicated; ` +
            `SIGTERM stop took ${sigtermMs.toFixed(0)} ms, all delivered ${(drainMs / 1000).toFixed(1)} s after the CSMS came back`,
        );
        await gw.stop();
      });

      it('a CALLERROR on redelivery is retried; past DEAD_LETTER_AFTER_HOURS a dead letter, replayed by an operator', async () => {
        const { csms } = lab;
        const id = `CP-REFUSE-${mode}`;
        const meterOf = (c: { identity: string; action: string; payload: Record<string, unknown> }, value: number) =>
          c.identity === id && c.action === 'MeterValues' && sample(c.payload).value === String(value);
        const receptions = (value: number) => csms.calls.filter((c) => meterOf(c, value));
        let refusedOnce = false;
        let poisoned = true;
        csms.handlers.MeterValues = (payload, identity) => {
          if (identity !== id) return {};
          const { value } = sample(payload);
          if (value === '111' && !refusedOnce) {
            refusedOnce = true;
            throw rpcError('InternalError', 'not now');
          }
          if (value === '666' && poisoned) throw rpcError('InternalError', 'poisoned meter value');
          return {};
        };
        try {
          // 1. Default bound (24 h): refused once on redelivery, accepted the second time, never dropped.
          let gw = await start(lab.gateway('refuse-once', lab.newStore()));
          assertAcknowledged(await timedSend(gw.soapUrl, id, body.boot()), 'BootNotification', gw.logFile);
          await lab.csmsDown();
          assertAcknowledged(
            await timedSend(gw.soapUrl, id, body.meter(7, '2024-06-02T08:00:00.000Z', 111)),
            'MeterValues 111 (stored)',
            gw.logFile,
          );
          await lab.csmsUp();
          await until(
            () => receptions(111).length >= 2,
            `MeterValues 111 redelivered after its CALLERROR (log: ${gw.logFile})`,
            20_000,
          );
          assertAcknowledged(
            await timedSend(gw.soapUrl, id, body.meter(7, '2024-06-02T08:02:00.000Z', 112)),
            'MeterValues 112',
            gw.logFile,
          );
          await until(() => receptions(112).length === 1, `MeterValues 112 delivered (log: ${gw.logFile})`, 20_000);
          assert.equal(
            receptions(111).length,
            2,
            'MeterValues 111 received twice: refused, then accepted (and not sent again)',
          );
          assert.ok(receptions(111)[1]!.at <= receptions(112)[0]!.at, 'in order');
          assert.deepEqual(
            (await admin(gw, '/api/dead-letters')).json,
            { total: 0, deadLetters: [] },
            'nothing dead after one refusal',
          );
          await gw.stop();

          // 2. DEAD_LETTER_AFTER_HOURS=0.0005 (1.8 s) and a CSMS that keeps refusing one message.
          gw = await start(lab.gateway('dead-letter', lab.newStore(), { DEAD_LETTER_AFTER_HOURS: '0.0005' }));
          assertAcknowledged(await timedSend(gw.soapUrl, id, body.boot()), 'BootNotification', gw.logFile);
          await lab.csmsDown();
          assertAcknowledged(
            await timedSend(gw.soapUrl, id, body.meter(7, '2024-06-02T09:00:00.000Z', 666)),
            'MeterValues 666 (stored)',
            gw.logFile,
          );
          assertAcknowledged(
            await timedSend(gw.soapUrl, id, body.meter(7, '2024-06-02T09:01:00.000Z', 667)),
            'MeterValues 667 (stored behind it)',
            gw.logFile,
          );
          await lab.csmsUp();
          let dead: any;
          await until(
            async () => (dead = (await admin(gw, '/api/dead-letters')).json).total === 1,
            `the refused message in the dead letters (log: ${gw.logFile})`,
            30_000,
          );
          const [letter] = dead.deadLetters;
          assert.equal(letter.identity, id);
          assert.equal(letter.action, 'MeterValues');
          assert.match(letter.reason, /CALLERROR InternalError/);
          assert.match(letter.reason, /poisoned meter value/);
          assert.ok(letter.attempts >= 2, `redelivered before it was given up (${letter.attempts} attempts)`);
          assert.ok(receptions(666).length >= 2, 'the CSMS saw it more than once');
          // The lane is not blocked: the charger's next message goes through.
          await until(
            () => receptions(667).length === 1,
            `MeterValues 667 delivered after the dead letter (log: ${gw.logFile})`,
            20_000,
          );
          const metric = async () =>
            Number(/^ocppgw_dead_letters (\S+)$/m.exec((await admin(gw, '/metrics')).text)?.[1]);
          assert.equal(await metric(), 1, 'ocppgw_dead_letters');

          const replayPath = `/api/dead-letters/${encodeURIComponent(letter.id)}/replay`;
          assert.equal(
            (await admin(gw, replayPath, { method: 'POST', json: {} })).status,
            400,
            'a replay without a reason',
          );
          assert.equal(
            (await admin(gw, replayPath.replace(/replay$/, 'drop'), { method: 'POST', json: { reason: ' ' } })).status,
            400,
            'a drop without a reason',
          );
          assert.equal((await admin(gw, '/api/dead-letters')).json.total, 1, 'still there after the refused replay');
          poisoned = false;
          const before = receptions(666).length;
          const replay = await admin(gw, replayPath, {
            method: 'POST',
            json: { reason: 'CSMS fixed its meter value handling' },
          });
          assert.equal(replay.status, 200, replay.text);
          assert.equal(replay.json.replayed, true);
          await until(
            () => receptions(666).length > before,
            `the replayed message delivered (log: ${gw.logFile})`,
            20_000,
          );
          assert.deepEqual(
            sample(receptions(666).at(-1)!.payload),
            { timestamp: '2024-06-02T09:00:00.000Z', value: '666' },
            'replayed with its original timestamp',
          );
          assert.deepEqual((await admin(gw, '/api/dead-letters')).json, { total: 0, deadLetters: [] });
          assert.equal(await metric(), 0, 'ocppgw_dead_letters after the replay');
          assert.deepEqual(csms.schemaFailures, []);
          await gw.stop();
        } finally {
          delete csms.handlers.MeterValues;
        }
      });

      it('a stored message refused on its first redelivery after a restart is retried, not dropped', async () => {
        const { csms } = lab;
        const id = `CP-REFUSE-RESTART-${mode}`;
        const receptions = (value: string) =>
          csms.callsFor(id, 'MeterValues').filter((c) => sample(c.payload).value === value);
        let refused = false;
        csms.handlers.MeterValues = (payload, identity) => {
          if (identity === id && sample(payload).value === '121' && !refused) {
            refused = true;
            throw rpcError('InternalError', 'not now');
          }
          return {};
        };
        const store = lab.newStore();
        try {
          let gw = await start(lab.gateway('refuse-restart-1', store));
          assertAcknowledged(await timedSend(gw.soapUrl, id, body.boot()), 'BootNotification', gw.logFile);
          await lab.csmsDown();
          // The first message of the outage: acknowledged by its own run, which finds the CSMS gone.
          assertAcknowledged(
            await timedSend(gw.soapUrl, id, body.meter(7, '2024-06-02T08:01:00.000Z', 121)),
            'MeterValues 121 (stored)',
            gw.logFile,
          );
          await gw.stop();
          // The CSMS is back when the gateway starts again, and refuses the first redelivery.
          await lab.csmsUp();
          gw = await start(lab.gateway('refuse-restart-2', store));
          await until(
            () => receptions('121').length >= 1,
            `MeterValues 121 redelivered after the restart (log: ${gw.logFile})`,
            20_000,
          );
          assertAcknowledged(
            await timedSend(gw.soapUrl, id, body.meter(7, '2024-06-02T08:02:00.000Z', 122)),
            'MeterValues 122',
            gw.logFile,
          );
          await until(() => receptions('122').length === 1, `MeterValues 122 delivered (log: ${gw.logFile})`, 20_000);
          assert.equal(
            receptions('121').length,
            2,
            `MeterValues 121, acknowledged before the restart, received twice: refused, then accepted (log: ${gw.logFile})`,
          );
          assert.ok(receptions('121')[1]!.at <= receptions('122')[0]!.at, 'in order');
          await gw.stop();
        } finally {
          delete csms.handlers.MeterValues;
        }
      });

      it('after a restart, a RemoteStartTransaction reaches the charger before it has sent anything', async () => {
        const { csms } = lab;
        const id = `CP-REOPEN-${mode}`;
        const cp = await new NodeSoapChargePoint().start();
        const store = lab.newStore();
        try {
          let gw = await start(lab.gateway('reopen-1', store));
          assertAcknowledged(
            await timedSend(gw.soapUrl, id, body.boot(), cp.url),
            'BootNotification with wsa:From',
            gw.logFile,
          );
          await gw.stop();
          csms.clients.delete(id); // whatever connects next for this identity is the new process
          const callsBefore = csms.callsFor(id).length;
          gw = await start(lab.gateway('reopen-2', store));
          await until(
            () => csms.clients.has(id),
            `the restarted gateway to open the charger's WebSocket on its own (log: ${gw.logFile})`,
            15_000,
          );
          const result = await csms.clients
            .get(id)!
            .call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG-REMOTE' });
          assert.deepEqual(result, { status: 'Accepted' });
          const received = cp.last('RemoteStartTransaction');
          assert.ok(received, 'the charger received RemoteStartTransaction');
          assert.equal(received.args.idTag, 'TAG-REMOTE');
          assert.equal(csms.callsFor(id).length, callsBefore, 'the charger had sent nothing since the restart');
          await gw.stop();
          if (mode === 'embedded') {
            // Outside REOPEN_WINDOW_MINUTES nothing is reopened (embedded: that is done before the ports listen).
            csms.clients.delete(id);
            gw = await start(lab.gateway('reopen-3', store, { REOPEN_WINDOW_MINUTES: '0' }));
            const status = await admin(gw, `/api/chargers/${encodeURIComponent(id)}`);
            assert.equal(status.status, 200, status.text);
            assert.equal(
              status.json.upstream.ownedHere,
              false,
              'no CSMS connection for a charger heard before the window',
            );
            assert.equal(csms.clients.has(id), false);
            await gw.stop();
          }
        } finally {
          await cp.stop();
        }
      });

      it('a restart with the CSMS back: the stored message goes first, then the CSMS decides again', async () => {
        const { csms } = lab;
        const id = `CP-BACK-${mode}`;
        const store = lab.newStore();
        let gw = await start(lab.gateway('back-1', store));
        assertAcknowledged(await timedSend(gw.soapUrl, id, body.boot()), 'BootNotification', gw.logFile);
        await lab.csmsDown();
        assertAcknowledged(
          await timedSend(gw.soapUrl, id, body.meter(9, '2024-06-04T07:00:00.000Z', 42)),
          'MeterValues (stored)',
          gw.logFile,
        );
        const refused = await timedSend(gw.soapUrl, id, body.authorize('TAG-1'));
        assertRetryLater(refused.reply);
        await gw.stop(); // SIGTERM with the message stored
        await lab.csmsUp();
        gw = await start(lab.gateway('back-2', store));
        await until(
          () => csms.callsFor(id, 'MeterValues').length === 1,
          `the stored MeterValues delivered after the restart (log: ${gw.logFile})`,
          20_000,
        );
        assert.deepEqual(sample(csms.callsFor(id, 'MeterValues')[0]!.payload), {
          timestamp: '2024-06-04T07:00:00.000Z',
          value: '42',
        });
        // Nothing waits any more: an Authorize is the CSMS's to answer, not refused behind a backlog that is gone.
        const authorized = await timedSend(gw.soapUrl, id, body.authorize('TAG-1'));
        assertAcknowledged(authorized, 'Authorize once the stored message is delivered', gw.logFile);
        assert.equal(csms.callsFor(id, 'Authorize').length, 1);
        await gw.stop();
      });

      if (mode !== 'embedded') return;

      it('a restart in the middle of offline transactions keeps the local id maps', async () => {
        const { csms } = lab;
        const id = 'CP-OFFLINE-TX';
        const store = lab.newStore();
        // A CSMS timeout of 3 s, so that the outage below can outlast it without making the test slow.
        const offline = { OFFLINE_START_TRANSACTION: 'true', OFFLINE_AUTHORIZE: 'true', CSMS_TIMEOUT_MS: '3000' };
        // The CSMS's own ids, once it is back: 4711 on connector 1, 4712 on connector 2.
        csms.handlers.StartTransaction = (payload) => ({
          transactionId: 4710 + Number(payload.connectorId),
          idTagInfo: { status: 'Accepted' },
        });
        let gw = await start(lab.gateway('offline-1', store, offline));
        assertAcknowledged(await timedSend(gw.soapUrl, id, body.boot()), 'BootNotification', gw.logFile);
        assertAcknowledged(
          await timedSend(gw.soapUrl, id, body.authorize('TAG-1')),
          'Authorize (CSMS up, answer cached)',
          gw.logFile,
        );
        await lab.csmsDown();
        const outageStart = csms.calls.length;
        const answers: [string, TimedReply][] = [];
        const send = async (label: string, xml: string) => {
          const t = await timedSend(gw.soapUrl, id, xml);
          assertAcknowledged(t, label, gw.logFile);
          answers.push([label, t]);
          return t;
        };

        // Connector 1: the CSMS cannot be reached, the StartTransaction gets a local id from the delivery.
        const started = await send('StartTransaction 1', body.start('TAG-1', '2024-06-03T10:00:00.000Z', 1000));
        const localId = Number(fieldOf(started, 'startTransactionResponse', 'transactionId'));
        assert.ok(localId >= 2_000_000_000, `a local transaction id (${localId})`);
        await send('MeterValues 1 (local id)', body.meter(localId, '2024-06-03T10:05:00.000Z', 1500));
        // Connector 2, behind the stored StartTransaction: a local id from the ingress.
        const started2 = await send(
          'StartTransaction 2',
          body
            .start('TAG-1', '2024-06-03T10:06:00.000Z', 0)
            .replace('<cs:connectorId>1</cs:connectorId>', '<cs:connectorId>2</cs:connectorId>'),
        );
        const lastStartAt = Date.now();
        const localId2 = Number(fieldOf(started2, 'startTransactionResponse', 'transactionId'));
        assert.ok(localId2 >= 2_000_000_000 && localId2 !== localId, `a second local transaction id (${localId2})`);
        await gw.stop(); // SIGTERM, the CSMS still down

        gw = await start(lab.gateway('offline-2', store, offline));
        await send(
          'MeterValues 2 (local id, after the restart)',
          body.meter(localId, '2024-06-03T10:10:00.000Z', 2000),
        );
        await send(
          'StopTransaction 1 (local id, after the restart)',
          body.stop(localId, '2024-06-03T10:15:00.000Z', 2500),
        );
        await send(
          'StopTransaction 2 (local id, after the restart)',
          body.stop(localId2, '2024-06-03T10:16:00.000Z', 700),
        );
        for (const [label, t] of answers)
          assert.ok(t.ms < 1_000, `${label} answered in ${t.ms.toFixed(0)} ms, not at once (log: ${gw.logFile})`);

        // A scenario duration, not a synchronisation: the outage outlasts CSMS_TIMEOUT_MS after the last StartTransaction,
        // as real outages do; the charger was answered, so the StartTransactions must be sent however late.
        await sleep(Math.max(0, lastStartAt + 3_500 - Date.now()));
        await lab.csmsUp();
        const delivered = () =>
          csms.calls.slice(outageStart).filter((c) => c.identity === id && c.action !== 'StatusNotification');
        await until(
          () => delivered().filter((c) => c.action === 'StopTransaction').length === 2,
          `both StopTransactions delivered (log: ${gw.logFile})`,
          30_000,
        );
        assert.deepEqual(
          delivered().map((c) => [
            c.action,
            c.payload.connectorId ?? null,
            c.payload.transactionId ?? null,
            c.action === 'MeterValues' ? sample(c.payload).timestamp : c.payload.timestamp,
          ]),
          [
            ['StartTransaction', 1, null, '2024-06-03T10:00:00.000Z'],
            ['MeterValues', 1, 4711, '2024-06-03T10:05:00.000Z'],
            ['StartTransaction', 2, null, '2024-06-03T10:06:00.000Z'],
            ['MeterValues', 1, 4711, '2024-06-03T10:10:00.000Z'],
            ['StopTransaction', null, 4711, '2024-06-03T10:15:00.000Z'],
            ['StopTransaction', null, 4712, '2024-06-03T10:16:00.000Z'],
          ],
          "each StartTransaction before its transaction's messages, which carry the CSMS transaction id; original timestamps",
        );
        assert.deepEqual(csms.schemaFailures, []);
        figures.push(
          `${mode} offline transactions across a SIGTERM restart: ${answers.length} answers, max ${Math.max(...answers.map(([, t]) => t.ms)).toFixed(1)} ms`,
        );
        await gw.stop();
      });
    });
  }

  describe('start errors of the embedded store (process level)', { timeout: 60_000, concurrency: 1 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-start-errors-'));
    const env = (dataDir: string) => ({
      CSMS_URL: 'ws://127.0.0.1:9/ocpp',
      ADMISSION: 'auto-accept',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** Exit code 2, soon, one message on stderr naming `path` and matching `reason`. */
    function assertStartError(exit: Awaited<ReturnType<typeof runGatewayToExit>>, path: string, reason: RegExp): void {
      assert.equal(exit.code, 2, `exit code (stderr: ${exit.stderr}; stdout: ${exit.stdout.slice(-500)})`);
      assert.ok(exit.ms < 10_000, `exited after ${exit.ms} ms`);
      const lines = exit.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one message on stderr, got: ${exit.stderr}`);
      assert.ok(exit.stderr.includes(path), `stderr names ${path}: ${exit.stderr}`);
      assert.match(exit.stderr, reason);
    }

    it('DATA_DIR that cannot be written or created', async () => {
      if (process.getuid?.() === 0) {
        // As root permissions are not enforced: a DATA_DIR under a regular file cannot be created either.
        const file = join(dir, 'a-file');
        writeFileSync(file, 'not a directory');
        const dataDir = join(file, 'data');
        assertStartError(
          await runGatewayToExit(env(dataDir)),
          dataDir,
          /cannot be created.*set DATA_DIR to another directory/,
        );
        assert.ok(!existsSync(dataDir));
      } else {
        const locked = join(dir, 'read-only');
        mkdirSync(locked);
        chmodSync(locked, 0o500);
        try {
          assertStartError(
            await runGatewayToExit(env(locked)),
            locked,
            /not writable.*set DATA_DIR to another directory/,
          );
          const nested = join(locked, 'data');
          assertStartError(
            await runGatewayToExit(env(nested)),
            nested,
            /cannot be created.*set DATA_DIR to another directory/,
          );
        } finally {
          chmodSync(locked, 0o700);
        }
      }
    });

    it('a second gateway on the same DATA_DIR while the first runs', async () => {
      const dataDir = join(dir, 'shared');
      const first = new GatewayProcess(env(dataDir), 'first-on-dir');
      await first.start();
      try {
        assertStartError(
          await runGatewayToExit(env(dataDir)),
          dataDir,
          /in use by another gateway.*stop that process, or give this one its own DATA_DIR/,
        );
        assert.equal(
          (await fetch(`http://127.0.0.1:${first.adminPort}/health`)).status,
          200,
          'the first one serves on',
        );
      } finally {
        await first.stop();
      }
    });

    it('a truncated store file: refused, and left as it is', async () => {
      const csms = await new TestCsms().start();
      const dataDir = join(dir, 'damaged');
      const file = join(dataDir, 'gateway.db');
      try {
        const gw = await new GatewayProcess({ ...env(dataDir), CSMS_URL: csms.url }, 'before-damage').start();
        assertAcknowledged(await timedSend(gw.soapUrl, 'CP-DAMAGE', body.boot()), 'BootNotification', gw.logFile);
        await gw.stop();
      } finally {
        await csms.stop();
      }
      const size = statSync(file).size;
      truncateSync(file, Math.floor(size / 3));
      rmSync(`${file}-wal`, { force: true });
      const truncated = statSync(file).size;
      assertStartError(await runGatewayToExit(env(dataDir)), file, /damaged.*move .* aside/);
      assert.equal(statSync(file).size, truncated, 'the damaged file is left as it was, not replaced by a new store');
      assert.ok(truncated > 0 && truncated < size);
    });
  });
});
