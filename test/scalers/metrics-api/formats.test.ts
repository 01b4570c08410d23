// Where metrics-api finds its number, per format: KEDA's TestGetValueFromResponse table (json,
// yaml, prometheus — the exposition text deliberately without a final newline, KEDA issue #6559),
// then xml (which KEDA's decoder cannot read at all: gitscale's own reading, see the README), and
// the edges of each reader.
import { describe, expect, it } from 'vitest';
import { valueFrom, type Format } from '../../../src/scalers/metrics-api/formats.js';
import { parseSelector } from '../../../src/scalers/metrics-api/prometheus-text.js';
import { xmlDocument } from '../../../src/scalers/metrics-api/xml.js';

const inputJSON = `{"components":[{"id": "82328e93e", "tasks": 32, "str": "64", "k":"1k","wrong":"NaN"}],"count":2.43}`;
const inputYAML = `{components: [{id: 82328e93e, tasks: 32, str: '64', k: 1k, wrong: NaN}], count: 2.43}`;
const inputPrometheus = `# HELP backend_queue_size Total number of items
# TYPE backend_queue_size counter
backend_queue_size{queueName="zero"} 0
backend_queue_size{queueName="one"} 1
backend_queue_size{queueName="two", instance="random"} 2
backend_queue_size{queueName="two", instance="zero"} 20
# HELP random_metric Random metric generate to include noise
# TYPE random_metric counter
random_metric 10`;
const inputXML = `<?xml version="1.0"?>
<!-- queue statistics -->
<stats>
  <components><id>82328e93e</id><tasks>32</tasks><str>64</str><k>1k</k><wrong>NaN</wrong></components>
  <components><tasks> 7 </tasks></components>
  <count>2.43</count>
  <note><![CDATA[a < b & c]]></note>
  <empty/>
</stats>`;

const get = (body: string, key: string, format: Format) => {
  try {
    return valueFrom(body, key, format);
  } catch (e) {
    return e as Error & { code: string };
  }
};

describe('KEDA TestGetValueFromResponse', () => {
  it.each<[string, string, string, Format, number | null]>([
    ['json: integer', inputJSON, 'count', 'json', 2.43],
    ['json: string', inputJSON, 'components.0.str', 'json', 64],
    ['json: {}.[].{}', inputJSON, 'components.0.tasks', 'json', 32],
    ['json: invalid data', inputJSON, 'components.0.wrong', 'json', null],
    ['yaml: integer', inputYAML, 'count', 'yaml', 2.43],
    ['yaml: string', inputYAML, 'components.0.str', 'yaml', 64],
    ['yaml: {}.[].{}', inputYAML, 'components.0.tasks', 'yaml', 32],
    ['yaml: invalid data', inputYAML, 'components.0.wrong', 'yaml', null],
    ['prometheus: no labels', inputPrometheus, 'random_metric', 'prometheus', 10],
    ['prometheus: one label', inputPrometheus, 'backend_queue_size{queueName="one"}', 'prometheus', 1],
    ['prometheus: multiple labels not queried', inputPrometheus, 'backend_queue_size{queueName="two"}', 'prometheus', 2],
    ['prometheus: multiple labels queried', inputPrometheus, 'backend_queue_size{queueName="two", instance="zero"}', 'prometheus', 20],
    ['prometheus: invalid data', inputPrometheus, 'backend_queue_size{invalid=test}', 'prometheus', null],
  ])('%s', (_, body, key, format, want) => {
    const got = get(body, key, format);
    if (want === null) expect(got).toBeInstanceOf(Error);
    else expect(got).toBe(want);
  });
});

describe('each reader at its edges', () => {
  it.each<[string, string, string, Format, number | RegExp]>([
    ['json: a k quantity', inputJSON, 'components.0.k', 'json', 1000],
    ['json: a missing key', inputJSON, 'components.0.nope', 'json', /no value at 'components.0.nope'/],
    ['yaml: a k quantity', inputYAML, 'components.0.k', 'yaml', 1000],
    ['yaml: a path ending at a map', inputYAML, 'components.0', 'yaml', /does not lead to a value \(it ends at an object\)/],
    ['yaml: a missing key', inputYAML, 'components.3.tasks', 'yaml', /key '3' not found in path 'components.3.tasks'/],
    ['yaml: not YAML', 'a: [1, 2', 'a', 'yaml', /the answer is not YAML/],
    ['xml: the root element is the first key', inputXML, 'stats.count', 'xml', 2.43],
    ['xml: a repeated element is a list', inputXML, 'stats.components.1.tasks', 'xml', 7],
    ['xml: a quantity', inputXML, 'stats.components.0.k', 'xml', 1000],
    ['xml: NaN is no number', inputXML, 'stats.components.0.wrong', 'xml', /the string "NaN", not a number/],
    ['xml: CDATA is text', inputXML, 'stats.note', 'xml', /the string "a < b & c"/],
    ['xml: not XML', '<stats><count>1</stats>', 'stats.count', 'xml', /not XML: <\/count> expected, found <\/stats>/],
    ['xml: text after the root', '<a>1</a><b/>', 'a', 'xml', /text after the root element/],
    [
      'prometheus: a histogram is not read',
      '# TYPE lat histogram\nlat_bucket{le="1"} 3\nlat_sum 2\nlat_count 3\n',
      'lat_count',
      'prometheus',
      /metric 'lat_count' not found/,
    ],
    ['prometheus: untyped, CRLF, a timestamp', 'jobs 5 1700000000000\r\n', 'jobs', 'prometheus', 5],
    ['prometheus: {__name__=…}', 'jobs{q="a"} 5\n', '{__name__="jobs", q="a"}', 'prometheus', 5],
    ['prometheus: escapes in label values', 'jobs{q="a\\"b"} 6\n', 'jobs{q="a\\"b"}', 'prometheus', 6],
    [
      'prometheus: no sample with those labels',
      inputPrometheus,
      'backend_queue_size{queueName="three"}',
      'prometheus',
      /value backend_queue_size\{queueName="three"\} not found/,
    ],
    ['prometheus: a broken line', 'jobs{q="a" 5\n', 'jobs', 'prometheus', /parsing error at line 1/],
  ])('%s', (_, body, key, format, want) => {
    const got = get(body, key, format);
    if (typeof want === 'number') expect(got).toBe(want);
    else expect((got as Error).message).toMatch(want);
  });

  it('selectors: equality only, and they say what is wrong', () => {
    expect(parseSelector('q{a="1",b=\'2\',}')).toEqual({
      name: 'q',
      labels: [
        ['a', '1'],
        ['b', '2'],
      ],
    });
    expect(parseSelector('q{a!="1"}')).toBe('only equality matchers (label="value") are supported, not !=');
    expect(parseSelector('q{a=1}')).toBe('a quoted value expected for a');
    expect(parseSelector('{a="1"}')).toBe('the selector names no metric');
  });

  it('xml: entities, attributes skipped, nesting bounded', () => {
    expect(xmlDocument('<a x="1"><b>&lt;3&amp;&#65;&#x42;</b></a>')).toEqual({ a: { b: '<3&AB' } });
    expect(() => xmlDocument(`${'<a>'.repeat(200)}1${'</a>'.repeat(200)}`)).toThrow(/deeper than 128/);
  });
});
