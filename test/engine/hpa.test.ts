// The HPA's rate policies (calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors).
import { describe, expect, it } from 'vitest';
import { scaleLimit } from '../../src/engine/hpa.js';
import type { ScalingRules } from '../../src/config/types.js';

const NOW = 1_000_000;
const rules = (over: Partial<ScalingRules>): ScalingRules => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [],
  ...over,
});

describe('scaleLimit', () => {
  it.each([
    {
      name: 'up Percent rounds up: ceil(3 × 1.5) = 5',
      dir: 'up' as const,
      current: 3,
      rules: rules({ policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] }),
      events: [],
      want: 5,
    },
    {
      name: 'down Percent truncates: int(5 × 0.5) = 2',
      dir: 'down' as const,
      current: 5,
      rules: rules({ policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] }),
      events: [],
      want: 2,
    },
    {
      name: 'up Max picks the largest change',
      dir: 'up' as const,
      current: 10,
      rules: rules({
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      }),
      events: [],
      want: 20,
    },
    {
      name: 'up Min picks the smallest change',
      dir: 'up' as const,
      current: 10,
      rules: rules({
        selectPolicy: 'Min',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      }),
      events: [],
      want: 14,
    },
    {
      name: 'down Max picks the largest change (lowest count)',
      dir: 'down' as const,
      current: 10,
      rules: rules({
        policies: [
          { type: 'Pods', value: 1, periodSeconds: 15 },
          { type: 'Percent', value: 50, periodSeconds: 15 },
        ],
      }),
      events: [],
      want: 5,
    },
    {
      name: 'down Min picks the smallest change',
      dir: 'down' as const,
      current: 10,
      rules: rules({
        selectPolicy: 'Min',
        policies: [
          { type: 'Pods', value: 1, periodSeconds: 15 },
          { type: 'Percent', value: 50, periodSeconds: 15 },
        ],
      }),
      events: [],
      want: 9,
    },
    {
      name: 'Disabled keeps current',
      dir: 'up' as const,
      current: 7,
      rules: rules({ selectPolicy: 'Disabled', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] }),
      events: [],
      want: 7,
    },
    {
      name: 'events inside the period move the period start',
      dir: 'up' as const,
      current: 8,
      rules: rules({ policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] }),
      events: [{ at: NOW - 30_000, change: 3 }],
      want: 9,
    },
    {
      name: 'events older than the period are ignored',
      dir: 'up' as const,
      current: 8,
      rules: rules({ policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] }),
      events: [{ at: NOW - 61_000, change: 3 }],
      want: 12,
    },
    {
      name: 'scale-downs in the period raise the up start',
      dir: 'up' as const,
      current: 4,
      rules: rules({ policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] }),
      events: [{ at: NOW - 10_000, change: -2 }],
      want: 7,
    },
  ])('$name', ({ dir, current, rules: r, events, want }) => {
    expect(scaleLimit(dir, current, events, r, NOW)).toBe(want);
  });
});
