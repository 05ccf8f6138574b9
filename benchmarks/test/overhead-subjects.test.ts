import { describe, expect, it } from 'vitest';
import { createSubjects, SUBJECT_IDS } from '../overhead/subjects.js';

// The overhead suite is only run by hand; this keeps every subject able to start and run a job, so
// a change to how instrumentPgBoss() wraps work() cannot break the suite unnoticed.
describe('the overhead suite subjects', () => {
  it('each builds, runs jobs through its handler and verifies them', async () => {
    const subjects = await createSubjects({ regressionMicros: 0 });
    try {
      expect(subjects.map((s) => s.id)).toEqual(SUBJECT_IDS);
      for (const subject of subjects) {
        for (let i = 0; i < 3; i++) await subject.run(i);
        expect(await subject.verify(3), subject.id).toEqual([]);
      }
    } finally {
      await Promise.all(subjects.map((s) => s.close()));
    }
  });
});
