import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../config.js';
import { generate } from '../generate/generator.js';
import { openObjectStore, readJson, SCHEDULES, writeJson, type ObjectStore } from '../lake/index.js';
import { FIXED_DAY, tempConfig } from '../../test/support/env.js';
import { LakeLock } from './lock.js';
import { listRuns } from './record.js';
import { addSchedule, checkCron, listSchedules, removeSchedule, Scheduler } from './schedule.js';

describe('schedules', () => {
  let config: Config;
  let lake: ObjectStore;
  before(async () => {
    ({ config } = await tempConfig({ SCHEDULE: '0 2 * * *' }));
    lake = openObjectStore(config);
    await generate({ outDir: config.sourcesDir, clients: 20, achats: 100, seed: 9, asOf: FIXED_DAY });
  });
  after(async () => fs.rm(config.dataDir, { recursive: true, force: true }));

  test('a cron expression is checked; a bad one is refused with how to write one', () => {
    const next = checkCron('0 2 * * *')!;
    assert.equal(next.getHours(), 2);
    assert.throws(() => checkCron('every day'), /invalid cron expression "every day".*/);
    assert.throws(() => checkCron('61 * * * *'), /invalid cron expression/);
  });

  test('a cron expression with seconds (6 or 7 fields) is refused, by schedule and by SCHEDULE alike', async () => {
    for (const cron of ['* * * * * *', '*/1 * * * * *', '* * * * * * *']) {
      await assert.rejects(addSchedule(lake, cron, 'pipeline'), (err: Error & { hint?: string }) => {
        assert.match(err.message, new RegExp(`^invalid cron expression ".*": ${cron.split(' ').length} fields; a schedule takes 5, without seconds$`));
        assert.match(err.hint ?? '', /use 5 fields "minute hour day-of-month month day-of-week"/);
        return true;
      });
      assert.throws(() => loadConfig({ DATA_DIR: config.dataDir, SCHEDULE: cron }, { envFile: false }), /^UserError: invalid setting SCHEDULE: ".*" is not valid: a cron expression/);
    }
    assert.deepEqual(await listSchedules(lake, config), [{ id: 'setting', cron: '0 2 * * *', flow: 'pipeline', source: 'setting' }], 'nothing was added');
  });

  test('added to the lake, listed with the SCHEDULE setting, removed', async () => {
    const s = await addSchedule(lake, '*/5 * * * *', 'gold_ingestion_flow');
    await assert.rejects(addSchedule(lake, '* * * * *', 'nope_flow'), /unknown flow "nope_flow"/);
    // One that never fires, or the same again, is refused.
    await assert.rejects(addSchedule(lake, '0 0 31 2 *', 'pipeline'), /"0 0 31 2 \*" never fires/);
    await assert.rejects(addSchedule(lake, '*/5  * * * *', 'gold_ingestion_flow'), new RegExp(`schedule ${s.id} runs gold_ingestion_flow at "\\*/5 \\* \\* \\* \\*" already`));
    assert.deepEqual((await listSchedules(lake, config)).map((x) => [x.source, x.cron, x.flow]), [
      ['setting', '0 2 * * *', 'pipeline'],
      ['lake', '*/5 * * * *', 'gold_ingestion_flow'],
    ]);
    await removeSchedule(lake, s.id);
    await assert.rejects(removeSchedule(lake, s.id), /no schedule/);
    assert.equal((await listSchedules(lake, config)).length, 1);
  });

  test('the scheduler fires a schedule: the run is recorded with its trigger', async () => {
    // Written to the lake as a schedule kept from before seconds were refused: it fires every second,
    // where `schedule` would make the test wait for the next minute.
    const s = { id: 'secs01', cron: '* * * * * *', flow: 'pipeline', source: 'lake' as const, createdAt: new Date().toISOString() };
    await lake.ensureBuckets();
    await writeJson(lake, SCHEDULES, [...((await readJson<(typeof s)[]>(lake, SCHEDULES)) ?? []), s]);
    const lines: string[] = [];
    const scheduler = new Scheduler(config, lake, (m) => lines.push(m));
    await scheduler.start();
    try {
      let runs = await listRuns(lake);
      for (let i = 0; i < 100 && !runs.some((r) => r.parameters.trigger === 'schedule' && r.state !== 'running'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        runs = await listRuns(lake);
      }
      // It fires every second: a later firing may be under way beside the one that finished.
      const fired = runs.find((r) => r.parameters.trigger === 'schedule' && r.state !== 'running');
      assert.equal(fired?.state, 'completed', lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith(`schedule ${s.id}: pipeline at "* * * * * *"`)));
    } finally {
      scheduler.stop();
      await removeSchedule(lake, s.id);
      // A firing already under way finishes and releases the lake.
      for (let i = 0; i < 100 && (await LakeLock.read(lake)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});
