import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { partitionOf } from '../../src/queue/partition.js';
import {
  admin,
  assertAcknowledged,
  body,
  durabilityFigures,
  durabilityLab,
  fieldOf,
  median,
  minute,
  MODES,
  sample,
  timedSend,
  type TimedReply,
} from '../helpers/durability.js';
import { assertRetryLater } from '../helpers/soap.js';
import { sleep, until } from '../helpers/wait.js';

/**
 * Durability through a CSMS outage, with real processes (docs/architecture.md#delivery-semantics): gateway processes
 * (`node --import tsx src/main.ts`) on an embedded store or a Redis of the test's own, a strict OCPP-J CSMS stopped
 * and started again on the same port. An outage across a SIGTERM and a kill -9, and offline transactions across a
 * restart; each gateway process logs to a file named in the failures.
 */

const figures = durabilityFigures();

describe('durability: a CSMS outage across restarts', { concurrency: true }, () => {
  for (const mode of MODES) {
    describe(`durability: a CSMS outage across restarts (${mode})`, { timeout: 180_000, concurrency: 1 }, () => {
      const { lab, start } = durabilityLab(mode);

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
});
