import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { rpcError } from '../helpers/csms-peer.js';
import { admin, assertAcknowledged, body, durabilityLab, MODES, sample, timedSend } from '../helpers/durability.js';
import { assertRetryLater } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

/**
 * Durability with real processes (docs/architecture.md#delivery-semantics): gateway processes (`node --import tsx
 * src/main.ts`) on an embedded store in a DATA_DIR of the test's own, or on a Redis of the test's own (AOF, fsync
 * always); a strict OCPP-J CSMS that is stopped and started again on the same port; SOAP chargers as raw envelopes
 * and a node-soap ChargePointService. Each gateway process logs to a file named in the failures.
 * Here: redelivery after a CSMS refusal or a restart, dead letters, and connections reopened after a restart.
 */

describe('durability: redelivery and restarts', { concurrency: true }, () => {
  for (const mode of MODES) {
    describe(`durability: redelivery and restarts (${mode})`, { timeout: 180_000, concurrency: 1 }, () => {
      const { lab, start } = durabilityLab(mode);

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
    });
  }
});
