-- wrk hook: after the run, prints one line "JSON {...}" that bench/run.sh records.
--   wrk -t1 -c64 -d10s -s bench/wrk/report.lua http://127.0.0.1:PORT/
-- Latencies are microseconds from wrk's histogram (the figures `wrk --latency` prints, after wrk's
-- coordinated-omission correction). Under pipelining wrk records one sample per batch and wrk 4.1's
-- correction can leave the percentile walk at 0: a 0 percentile is written as null, never as 0.
-- Other scripts load this one with dofile() and keep its done().
local function percentile(latency, p)
   local v = latency:percentile(p)
   if v == nil or v == 0 then
      return "null"
   end
   return string.format("%d", v)
end

function done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'JSON {"tool":"wrk","requests":%d,"seconds":%.3f,"rps":%.1f,"bytes":%d,' ..
      '"p50_us":%s,"p99_us":%s,"max_us":%d,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
      '"err_status":%d,"err_timeout":%d,"errors":%d}\n',
      summary.requests, seconds, summary.requests / seconds, summary.bytes,
      percentile(latency, 50), percentile(latency, 99), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout,
      e.connect + e.read + e.write + e.status + e.timeout))
end
