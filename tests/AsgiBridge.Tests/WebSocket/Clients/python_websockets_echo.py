# Echo check with the python websockets client (Debian python3-websockets): sizes 0..3 MB, text and bytes,
# with and without permessage-deflate, subprotocol negotiation, and a close with a custom code both ways.
import asyncio, websockets, os, sys
port = sys.argv[1]
async def main():
    for comp in (None, "deflate"):
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws", compression=comp, subprotocols=["a","b"], max_size=None) as ws:
            print("subprotocol", ws.subprotocol, "ext", ws.response_headers.get("Sec-WebSocket-Extensions"))
            for size in (0, 1, 125, 126, 65535, 65536, 3_000_000):
                data = os.urandom(size)
                await ws.send(data); r = await ws.recv(); assert r == data, size
                await ws.send("é"*size); r = await ws.recv(); assert r == "é"*size
            await ws.close(4001, "bye")
            print("closed", ws.close_code, ws.close_reason)
asyncio.run(main())
print("python websockets ok", websockets.__version__)
