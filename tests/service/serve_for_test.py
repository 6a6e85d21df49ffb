"""`panicscan serve` in miniature, for test_service_run_server.py.

Run as a subprocess: settings from the environment, one slow handler that writes the
delivery id to argv[1] when it finishes, so a test can see that SIGTERM waited for it.
"""

import asyncio
import os
import sys
from pathlib import Path

from bot.service.app import run_server
from bot.service.events import EventContext, Router
from bot.service.logs import configure_logging
from bot.service.queue import JobQueue
from bot.service.settings import Settings


async def main(done_file: Path) -> None:
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_format, settings.log_level)

    async def slow(ctx: EventContext) -> None:
        ctx.logger.info("job started")
        await asyncio.sleep(0.5)
        done_file.write_text(ctx.delivery_id)
        ctx.logger.info("job finished")

    router = Router()
    router.on("pull_request", slow)
    await run_server(settings, router, JobQueue(router, settings.workers))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
