#!/usr/bin/env python3
"""Test receiver for BGPSentry's HTTP sinks (webhook, Alertmanager, Slack) on 127.0.0.1.

Records every POST as one JSON line {"path", "headers", "body", "at"} in --out ("at" = arrival, Unix
seconds); answers HTTP 500 to the first --fail-first requests (a sink that is down), and sleeps --delay
seconds per request (a slow sink; only the first --slow-first requests when given). Writes the port it
listens on to --port-file once ready. asyncio with keep-alive: its own cost stays well under a millisecond,
so latency measured through it is the daemon's.
"""
import argparse, asyncio, json, os, time

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--port-file", required=True)
p.add_argument("--port", type=int, default=0)
p.add_argument("--fail-first", type=int, default=0)
p.add_argument("--delay", type=float, default=0)
p.add_argument("--slow-first", type=int, default=0, help="apply --delay only to the first N requests")
a = p.parse_args()
count = 0
out = open(a.out, "a", buffering=1)


async def handle(reader, writer):
    global count
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                if ": " in line:
                    k, v = line.split(": ", 1)
                    headers[k] = v
            length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
            body = await reader.readexactly(length)
            at = time.time()
            count += 1
            n = count
            if a.delay and (a.slow_first == 0 or n <= a.slow_first):
                await asyncio.sleep(a.delay)
            if n <= a.fail_first:
                writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
            else:
                out.write(json.dumps({"path": path, "headers": headers, "body": body.decode(), "at": at}) + "\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", a.port)
    port = server.sockets[0].getsockname()[1]
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(a.port_file + ".tmp", a.port_file)
    async with server:
        await server.serve_forever()


asyncio.run(main())
