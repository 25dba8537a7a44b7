import { FixThrottle, destination, distanceMeters } from '../../src/platform/geo';
import { skillMask } from '../../src/modules/volunteers/types/skill';

const berlin = { latitude: 52.52, longitude: 13.405 };

describe('distances on Redis\'s sphere', () => {
  it('agree with known distances', () => {
    // One degree of latitude on a sphere of radius 6372797.56 m.
    expect(distanceMeters({ latitude: 0, longitude: 0 }, { latitude: 1, longitude: 0 })).toBeCloseTo(111226.3, 0);
    expect(distanceMeters(berlin, berlin)).toBe(0);
  });

  it('destination() goes where distanceMeters() measures, in every direction and across the date line', () => {
    for (const bearing of [0, 45, 90, 180, 270, 359]) {
      expect(distanceMeters(berlin, destination(berlin, 2000, bearing))).toBeCloseTo(2000, 6);
    }
    const east = destination({ latitude: 0, longitude: 179.999 }, 1000, 90);
    expect(east.longitude).toBeLessThan(-179);
    expect(distanceMeters({ latitude: 0, longitude: 179.999 }, east)).toBeCloseTo(1000, 6);
  });
});

describe('FixThrottle', () => {
  const throttle = () => new FixThrottle(30_000, 100);

  it('lets the first fix through, then one per interval', () => {
    const t = throttle();
    expect(t.shouldPersist('v', berlin, 0)).toBe(true);
    expect(t.shouldPersist('v', destination(berlin, 20, 0), 10_000)).toBe(false);
    expect(t.shouldPersist('v', destination(berlin, 20, 0), 29_999)).toBe(false);
    expect(t.shouldPersist('v', destination(berlin, 20, 0), 30_000)).toBe(true);
  });

  it('lets a move of more than the distance through at once, measured from the last written fix', () => {
    const t = throttle();
    t.shouldPersist('v', berlin, 0);
    expect(t.shouldPersist('v', destination(berlin, 60, 0), 1000)).toBe(false);
    expect(t.shouldPersist('v', destination(berlin, 101, 0), 2000)).toBe(true);
    expect(t.shouldPersist('v', destination(berlin, 150, 0), 3000)).toBe(false);
  });

  it('keeps volunteers apart and counts fixes written elsewhere', () => {
    const t = throttle();
    t.written('a', berlin, 0);
    expect(t.shouldPersist('a', berlin, 1000)).toBe(false);
    expect(t.shouldPersist('b', berlin, 1000)).toBe(true);
  });
});

describe('skillMask', () => {
  it('gives each skill its own bit', () => {
    expect(skillMask([])).toBe(0);
    expect(skillMask(['FIRST_AID'])).toBe(1);
    expect(skillMask(['CPR', 'FIRST_AID'])).toBe(3);
    expect(skillMask(['SIGN_LANGUAGE'])).toBe(256);
  });
});
