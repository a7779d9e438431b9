-- HTTP/1.1 pipelining for wrk: every connection writes DEPTH requests back to back, reads the DEPTH
-- responses, and repeats (the TechEmpower plaintext pattern). wrk counts each response as a request.
--   wrk -t1 -c64 -d10s -s bench/wrk/pipeline.lua http://127.0.0.1:PORT/ -- 16
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local batch

function init(args)
   local depth = tonumber(args[1]) or 16
   local requests = {}
   for i = 1, depth do
      requests[i] = wrk.format()
   end
   batch = table.concat(requests)
end

function request()
   return batch
end
