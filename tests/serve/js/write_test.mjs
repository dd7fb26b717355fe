// The InfluxDB 2.x JavaScript client (@influxdata/influxdb-client) writing to `strata serve` at
// STRATA_URL: points of every value type through the write API, plain and gzipped, in two
// precisions, and a bad line, whose HTTP error the client must report. Prints what it wrote as
// JSON on stdout for test_js_client.py to check against the server's SQL view; exits 1 on error.
import {InfluxDB, Point, HttpError} from '@influxdata/influxdb-client'

const url = process.env.STRATA_URL
const influx = new InfluxDB({url, token: process.env.STRATA_TOKEN || 'unused'})
const base = 1700000000  // seconds
const result = {points: 0}

// Precision s, bodies kept plain (gzipThreshold above any batch).
const plain = influx.getWriteApi('org', 'bucket', 's',
                                 {batchSize: 200, gzipThreshold: 1 << 30, maxRetries: 0})
for (let i = 0; i < 1000; i++) {
  plain.writePoint(new Point('js_plain')
      .tag('host', 'host ' + (i % 10))
      .tag('dc', i % 3 === 0 ? 'eu,1' : 'us=2')
      .floatField('v', i + 0.5)
      .intField('n', -i)
      .booleanField('ok', i % 2 === 0)
      .stringField('s', 'say "hi"\nline ' + i + ' \\ done')
      .timestamp(base + i))
}
await plain.close()
result.points += 1000

// Precision ns (the default), batches over the 1000-byte default threshold, so gzipped.
const gz = influx.getWriteApi('org', 'bucket', 'ns', {batchSize: 500, maxRetries: 0})
for (let i = 0; i < 2000; i++) {
  gz.writePoint(new Point('js_gzip').tag('host', 'h' + (i % 7)).floatField('v', i)
      .timestamp(String(BigInt(base) * 1000000000n + BigInt(i))))
}
await gz.close()
result.points += 2000

// A malformed line: the client reports the server's 400 with InfluxDB's JSON body.
const bad = influx.getWriteApi('org', 'bucket', 'ns', {maxRetries: 0})
bad.writeRecords(['js_bad v=1 1', 'js_bad v=oops 2'])
try {
  await bad.close()
  console.error('a malformed line was accepted')
  process.exit(1)
} catch (e) {
  if (!(e instanceof HttpError) || e.statusCode !== 400 || e.json?.line !== 2 ||
      e.json?.code !== 'invalid') {
    console.error('unexpected error for a malformed line:', e)
    process.exit(1)
  }
  result.bad_line_error = e.json.message
}
console.log(JSON.stringify(result))
