"""A Jupyter kernel kept warm for every notebook a batch worker runs, so imports are paid once."""

from __future__ import annotations

import os
import shutil
import tempfile

GC_THRESHOLDS = (20_000, 20, 20)


class WarmKernel:
    """One Jupyter kernel reused for every notebook a batch worker runs, so imports are paid once.

    Before each notebook after the first, the kernel's namespace is reset (`%reset -f`): notebooks
    cannot see each other's variables, only the already-imported modules. The objects alive then
    (mostly the imported modules) are first frozen out of the garbage collector's reach
    (`gc.freeze()`), so the collections the reset runs scan only what the notebooks made. A kernel that saw a
    failure is discarded and the next notebook gets a fresh one. The youngest generation is
    collected after 20,000 new objects rather than 700 (`GC_THRESHOLDS`): the reports make many
    short-lived objects (charts, frames), and the collections cost about 6% of their time.
    Used from one thread only.
    """

    RESET = (
        f"import gc as _gc; _gc.freeze(); _gc.set_threshold(*{GC_THRESHOLDS!r}); del _gc; "
        "get_ipython().run_line_magic('reset', '-f')"
    )

    def __init__(self, name: str = "python3"):
        self.name = name
        self.km = None
        self.sockets = ""
        self.used = False

    def manager(self):
        """The kernel manager for the next notebook (started by papermill on first use)."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if self.km is None:
            # IPC sockets in a private temporary folder: local only, no clash between workers,
            # and no "running over TCP without encryption" warning from the kernel
            self.sockets = tempfile.mkdtemp(prefix="lac-kernel-")
            self.km = AsyncKernelManager(
                kernel_name=self.name, transport="ipc", ip=os.path.join(self.sockets, "kernel")
            )
            self.used = False
        elif self.used and self.km.has_kernel:
            run_sync(self._reset)()
        self.used = True
        return self.km

    def execute(self, code: str) -> bool:
        """Run `code` silently in the kernel of the last notebook (its namespace and shared
        objects as that notebook left them); True when it ran without an error."""
        from jupyter_core.utils import run_sync

        if self.km is None or not self.km.has_kernel:
            return False
        return run_sync(self._execute)(code)

    async def _reset(self) -> None:
        if not await self._execute(self.RESET):
            raise RuntimeError("could not reset the kernel's namespace")

    async def _execute(self, code: str) -> bool:
        client = self.km.client()
        client.start_channels(iopub=False, stdin=False, hb=False, control=False)
        try:  # send the code and wait for its reply on the shell channel (zmq queues until connected)
            msg_id = client.execute(code, silent=True, store_history=False)
            while True:
                reply = await client.get_shell_msg(timeout=60)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            return reply["content"]["status"] == "ok"
        finally:
            client.stop_channels()

    def discard(self) -> None:
        """Shut the kernel down (after a failure, and at the end of the batch)."""
        from jupyter_core.utils import run_sync

        if self.km is not None and self.km.has_kernel:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # a dead kernel cannot be shut down twice; nothing to keep
                pass
        self.km = None
        if self.sockets:
            shutil.rmtree(self.sockets, ignore_errors=True)
            self.sockets = ""
