// isInside: the one containment test, including roots written with a trailing separator and the root `/`.
import { describe, expect, it } from 'vitest';
import { isInside } from '../../src/fs/inside.js';

describe('isInside', () => {
  it.each([
    ['/srv/app', '/srv/app', true],
    ['/srv/app', '/srv/app/x', true],
    ['/srv/app', '/srv/app/x/y', true],
    ['/srv/app', '/srv/app-data', false],
    ['/srv/app', '/srv', false],
    ['/srv/app', '/', false],
    ['/srv/app/', '/srv/app', true],
    ['/srv/app/', '/srv/app/x', true],
    ['/srv/app/', '/srv/app-data', false],
    ['/srv/app//', '/srv/app/x', true],
    ['/', '/', true],
    ['/', '/anything/at/all', true],
  ])('root %s, path %s → %s', (root, path, inside) => {
    expect(isInside(root, path)).toBe(inside);
  });
});
