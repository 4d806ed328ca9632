"""A small Label Studio REST client on the standard library, with retries and backoff.

Why not ``label-studio-sdk`` (2.1.2, the version that ships with server 1.23.2): it requires
numpy>=2.2, opencv-python-headless, a pinned pyjwt and requests-mock, so installing it forces a
numpy upgrade that breaks scientific stacks pinned to numpy 1 (ours in CI: irrCAC), and adds
~60 MB for the dozen REST calls sync needs. The real-server tests exercise every call here.

Authentication: a legacy API token is sent as ``Authorization: Token …``; a personal access
token (a JWT, the default in Label Studio 1.23) is exchanged at ``/api/token/refresh`` for a
short-lived access token sent as ``Bearer``. Tokens are never printed or logged: errors name
the URL path and the status only, and whatever a server answers (an error body may echo the
request's headers) passes through :func:`intercoder.redact.redact` before it is shown.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from ..errors import IntercoderError
from ..fileio import write_atomic
from ..redact import display_url, redact

#: Errors worth another try: the connection failed, or the server is busy or restarting.
RETRY_STATUS = (429, 502, 503, 504)

#: The title of the export snapshots ``pull`` makes (and removes, also after a failed pull).
SNAPSHOT_TITLE = "intercoder pull"


class StudioError(IntercoderError):
    """Label Studio could not be reached, or refused a request (``status``: the HTTP status)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def task_id(task: Any, where: str) -> int:
    """The ``id`` of a task the server sent; a task without an integer id is a one-line error.

    A Label Studio server always sends one; a proxy, another server or a damaged answer may not.
    """
    found = task.get("id") if isinstance(task, dict) else None
    if isinstance(found, bool) or not isinstance(found, int):
        raise StudioError(
            f"{where}: the server sent a task without an integer 'id' "
            f"(got {redact(repr(found))[:40]}); is this a Label Studio server?"
        )
    return found


def config_path() -> Path:
    """Where ``studio serve`` stores the URL and token (``$INTERCODER_STUDIO_CONFIG``)."""
    env = os.environ.get("INTERCODER_STUDIO_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "intercoder" / "studio.json"


def save_config(url: str, token: str, path: Path | None = None) -> Path:
    """Write the URL and token to the config file, readable by the owner only."""
    target = path or config_path()
    # A fresh, unpredictable temporary file created with O_EXCL (never a planted symlink or a
    # world-readable leftover), mode 0600 before the token is written, then renamed into place.
    write_atomic(target, json.dumps({"url": url, "token": token}), mode=0o600)
    return target


def read_config(path: Path | None = None) -> dict[str, str]:
    """The stored ``url`` and ``token`` (empty if there is no file); a broken file is an error."""
    path = path or config_path()
    if not path.exists():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        raise StudioError(
            f"{path}: not a readable studio config file; store the server again with "
            "`intercoder studio config --url URL`"
        ) from None
    if not isinstance(stored, dict) or not all(
        isinstance(stored.get(key, ""), str) for key in ("url", "token")
    ):
        raise StudioError(
            f"{path}: not a studio config file (expected an object with the strings "
            "'url' and 'token'); store the server again with `intercoder studio config --url URL`"
        )
    return {key: stored[key] for key in ("url", "token") if key in stored}


def load_settings(url: str | None = None, token: str | None = None) -> tuple[str, str]:
    """URL and token: arguments, else LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY, else the file."""
    stored = read_config()
    url = url or os.environ.get("LABEL_STUDIO_URL") or stored.get("url")
    token = token or os.environ.get("LABEL_STUDIO_API_KEY") or stored.get("token")
    if not url or not token:
        raise StudioError(
            "no Label Studio server configured: run `intercoder studio serve`, or set "
            "LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY"
        )
    return str(url).rstrip("/"), str(token)


class Client:
    """One Label Studio server; ``request`` retries network errors with exponential backoff."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        retries: int = 5,
        backoff: float = 0.5,
        timeout: float = 120.0,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._access: str | None = None
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.requests = 0
        #: The server's clock (its ``Date`` header) at the last answer, None if it sent none.
        self.server_time: datetime | None = None

    def __repr__(self) -> str:  # never show the token
        return f"Client({display_url(self.url)!r})"

    def _clean(self, text: str) -> str:
        """``text`` without this client's token, access token or any credential."""
        return redact(text, (self._token, self._access))

    def _auth(self) -> str:
        if self._token.count(".") != 2:
            return f"Token {self._token}"
        if self._access is None:
            answer = self._send("POST", "/api/token/refresh", {"refresh": self._token}, auth=False)
            self._access = str(answer["access"])
        return f"Bearer {self._access}"

    def request(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        if query:
            path += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        return self._send(method, path, body)

    def _send(self, method: str, path: str, body: Any, auth: bool = True) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        delay = self.backoff
        shown = path.split("?", 1)[0]
        for attempt in range(self.retries + 1):
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
            if auth:
                headers["Authorization"] = self._auth()
            req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
            problem: str
            try:
                self.requests += 1
                with urllib.request.urlopen(req, timeout=self.timeout) as response:
                    payload = response.read()
                    self.server_time = _server_time(response.headers.get("Date"))
                return json.loads(payload) if payload else None
            except urllib.error.HTTPError as exc:
                # Redacted whole, then shortened: a cut could leave half a token unrecognised.
                text = self._clean(exc.read(65536).decode("utf-8", "replace"))[:300]
                if exc.code == 401 and auth and self._access is not None:
                    self._access = None  # the access token expired: refresh once more
                    problem = "access token expired"
                elif exc.code in RETRY_STATUS:
                    problem = f"HTTP {exc.code}"
                else:
                    if exc.code in (401, 403):
                        raise StudioError(
                            f"{method} {shown}: HTTP {exc.code}: the API token was refused "
                            "(check LABEL_STUDIO_API_KEY or the studio config)",
                            exc.code,
                        ) from None
                    message = f"{method} {shown}: HTTP {exc.code}: {text}"
                    raise StudioError(self._clean(message), exc.code) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                problem = self._clean(f"{type(reason).__name__}: {reason}")
            except ValueError:
                problem = "a truncated or invalid answer"
            if attempt == self.retries:
                raise StudioError(
                    f"{method} {shown}: Label Studio at {display_url(self.url)} failed after "
                    f"{self.retries + 1} tries ({problem})"
                )
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
        raise AssertionError("unreachable")

    # --- API helpers ------------------------------------------------------------------------

    def projects(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self.request("GET", "/api/projects/", page=page, page_size=100)
            found += answer["results"]
            if not answer.get("next"):
                return found
            page += 1

    def project_by_title(self, title: str) -> dict[str, Any] | None:
        for project in self.projects():
            if project.get("title") == title:
                return project
        return None

    def tasks(
        self,
        project: int,
        page_size: int = 1000,
        fields: str = "all",
        updated_after: datetime | None = None,
    ) -> Iterator[Any]:
        """Pages of tasks (``fields=all`` carries the annotations), in id order.

        Pages are keyed by task id (each asks for ids above the last one seen), not by page
        number, so a task deleted or added while the pages are read shifts nothing.
        ``updated_after``: only tasks changed after that moment. Label Studio touches a task's
        ``updated_at`` whenever one of its annotations is created, changed or deleted.
        """
        last = 0
        while True:
            answer = self._task_page(project, page_size, fields, updated_after, last)
            tasks = answer.get("tasks", [])
            if tasks:
                yield tasks
            if len(tasks) < page_size:
                return
            last = max(task_id(t, f"{display_url(self.url)} project {project}") for t in tasks)

    def count_tasks(self, project: int, updated_after: datetime | None = None) -> int:
        """How many tasks the project has (changed after ``updated_after``, if given)."""
        return int(self._task_page(project, 1, "task_only", updated_after, 0).get("total", 0))

    def _task_page(
        self, project: int, page_size: int, fields: str, updated_after: datetime | None, above: int
    ) -> Any:
        """One page of the Data Manager's task listing: ids above ``above``, in id order."""
        items: list[dict[str, Any]] = [
            {"filter": "filter:tasks:id", "operator": "greater", "type": "Number", "value": above}
        ]
        if updated_after is not None:
            utc = updated_after.astimezone(UTC)
            items.append(
                {
                    "filter": "filter:tasks:updated_at",
                    "operator": "greater",
                    "type": "Datetime",
                    "value": utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),  # the Data Manager's format
                }
            )
        return self.request(
            "GET",
            "/api/tasks/",
            project=project,
            page=1,
            page_size=page_size,
            fields=fields,
            query=json.dumps({"filters": {"conjunction": "and", "items": items}}),
        )

    def export_tasks(self, project: int, *, poll: float = 0.5, timeout: float = 3600.0) -> Any:
        """Every task of the project with its annotations, from one export snapshot.

        The server serialises a snapshot (``POST /api/projects/{id}/exports/``) about twice as
        fast per task as the task listing serialises its pages; the snapshot is downloaded as
        JSON and then deleted from the server. Without a job queue the server makes it while
        answering the POST; with one, it is polled until done. Snapshots an earlier call could
        not delete (the connection failed) are deleted first.
        """
        self.delete_snapshots(project)
        options = {"only_id": True}
        made = self.request(
            "POST",
            f"/api/projects/{project}/exports/",
            {
                "title": SNAPSHOT_TITLE,
                "serialization_options": {
                    "drafts": options,
                    "predictions": options,
                    "annotations__completed_by": options,
                    "include_annotation_history": False,
                },
            },
        )
        where = f"/api/projects/{project}/exports/{int(made['id'])}"
        try:
            deadline = time.monotonic() + timeout
            while made.get("status") != "completed":
                if made.get("status") == "failed" or time.monotonic() > deadline:
                    raise StudioError(f"the export of project {project} {made.get('status')}")
                time.sleep(poll)
                made = self.request("GET", where)
            return self.request("GET", where + "/download", exportType="JSON")
        finally:
            # if this fails, the snapshot stays until the next call's delete_snapshots
            with contextlib.suppress(StudioError):
                self.request("DELETE", where)

    def delete_snapshots(self, project: int) -> int:
        """Delete the project's export snapshots titled ``SNAPSHOT_TITLE``; how many there were."""
        answer = self.request("GET", f"/api/projects/{project}/exports/")
        mine = [e for e in answer or [] if e.get("title") == SNAPSHOT_TITLE]
        for export in mine:
            self.request("DELETE", f"/api/projects/{project}/exports/{int(export['id'])}")
        return len(mine)

    def users(self) -> dict[int, str]:
        """User id -> e-mail."""
        answer = self.request("GET", "/api/users/")
        users = answer if isinstance(answer, list) else answer.get("results", [])
        return {int(u["id"]): str(u.get("email") or f"annotator-{u['id']}") for u in users}


def _server_time(header: str | None) -> datetime | None:
    if not header:
        return None
    try:
        return parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
