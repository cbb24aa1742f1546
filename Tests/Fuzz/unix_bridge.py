#!/usr/bin/env python3
"""Forward a loopback TCP port to infusiond's Unix socket, so HTTP tools that only speak TCP can reach it.

Usage: unix_bridge.py SOCKET_PATH PORT_FILE
Listens on 127.0.0.1 (an ephemeral port), writes the port number to PORT_FILE, and forwards until killed.
"""
import asyncio
import os
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main(socket_path, port_file):
    async def handle(client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_unix_connection(socket_path)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    parent = os.getppid()

    async def exit_with_parent():
        # Never outlive the test that started us, even if it died without stopping us.
        while os.getppid() == parent:
            await asyncio.sleep(1)
        os._exit(0)

    asyncio.get_running_loop().create_task(exit_with_parent())
    port = server.sockets[0].getsockname()[1]
    with open(port_file, "w") as handle_file:
        handle_file.write(str(port))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
