"""The moderation queue of error reports (« Signaler une erreur »), never published.

One JSON object per line in `settings.corrections_path`: a request line when a visitor reports an
error, a status line when a curator closes it. Every write happens under an exclusive `flock`,
so the web workers (processes and threads) append safely and the rate limit holds across them.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import ipaddress
import json
import logging
import math
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from .errors import RegistryError

log = logging.getLogger(__name__)

# What a report may be about: code → French label shown in the form.
FIELDS: dict[str, str] = {
    "nom": "Nom du lieu",
    "adresse": "Adresse ou position sur la carte",
    "horaires": "Horaires d'ouverture",
    "tarifs": "Tarifs",
    "site-web": "Site web ou réseaux sociaux",
    "services": "Services et équipements",
    "typologie": "Typologie (coworking, fablab, …)",
    "statut": "Statut : le lieu a fermé ou a déménagé",
    "criteres": "Critères d'un tiers-lieu",
    "autre": "Autre",
}
NEW, ACCEPTED, REJECTED = "nouvelle", "acceptee", "rejetee"
STATUSES = (NEW, ACCEPTED, REJECTED)
MIN_LENGTH, MAX_LENGTH = 10, 2000
WINDOW = timedelta(hours=1)
CLIENT_KEY_LENGTH = 16  # hex digits of the HMAC kept: enough to tell clients apart
ID_PATTERN = re.compile(r"[0-9a-f]{8}")

# Control characters other than tab and newline: nothing a person types, and some would drive
# a curator's terminal (escape sequences) when `tierslieux corrections` prints the message.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class TooManyReports(RegistryError):
    """Raised when one client sent `per_hour` reports within the last hour."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UnknownCorrection(RegistryError):
    """Raised when a curator names a request the queue does not hold, or one already closed."""


@dataclass(frozen=True)
class CorrectionRequest:
    """One report: which place, which field, what the visitor says. No personal data."""

    id: str
    received: str  # UTC, ISO 8601
    place_id: str
    field: str  # a code of FIELDS
    message: str
    client: str  # truncated HMAC of the client address (never the address itself)
    place_name: str = ""  # the place's published name when reported, for the curators' list
    status: str = NEW
    closed: str = ""  # UTC, ISO 8601, when a curator accepted or rejected it

    @property
    def is_open(self) -> bool:
        """Whether no curator has closed it yet."""
        return self.status == NEW


@dataclass(frozen=True)
class QueueContents:
    """The requests of the queue, oldest first, and the numbers of its unreadable lines."""

    requests: list[CorrectionRequest] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)


def normalise_message(text: str) -> str:
    """The message as stored: one newline convention, no control characters, stripped.

    Browsers count a newline as one character for `maxlength` but send it as CRLF.
    """
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def check_report(field_code: str, message: str) -> dict[str, str]:
    """French error messages by form field (`champ`, `message`); empty when the report is valid.

    `message` is expected normalised (`normalise_message`).
    """
    errors = {}
    if field_code not in FIELDS:
        errors["champ"] = "Choisissez dans la liste l'information à corriger."
    if len(message) < MIN_LENGTH:
        errors["message"] = (
            f"Décrivez la correction en {MIN_LENGTH} caractères au moins "
            "(la bonne information et, si possible, votre source)."
        )
    elif len(message) > MAX_LENGTH:
        errors["message"] = (
            f"Le message est trop long : {len(message)} caractères pour {MAX_LENGTH} au plus."
        )
    return errors


def client_key(address: str, secret: str) -> str:
    """A pseudonymous key of a client address: truncated HMAC-SHA256 keyed with the app secret.

    An IPv6 client is keyed by its /64 network, which one subscriber usually holds whole.
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        network = address
    else:
        prefix = 64 if parsed.version == 6 else 32
        network = str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False).network_address)
    digest = hmac.new(secret.encode(), network.encode(), hashlib.sha256).hexdigest()
    return digest[:CLIENT_KEY_LENGTH]


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class CorrectionQueue:
    """The queue file: append a request (rate-limited per client), read, close a request."""

    def __init__(self, path: Path, per_hour: int = 10) -> None:
        self.path = path
        self.per_hour = per_hour

    @contextmanager
    def _locked(self, exclusive: bool) -> Iterator[IO[str]]:
        """The queue file open for reading and appending, under a shared or exclusive lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        # newline="\n": a line ends at "\n" only (JSON escapes every other line break);
        # errors="replace": a line a crash cut inside a character is skipped like any other.
        with os.fdopen(
            descriptor, "a+", encoding="utf-8", errors="replace", newline="\n"
        ) as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                handle.seek(0)
                yield handle
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self) -> QueueContents:
        """Every request with its current status; unreadable lines are logged and skipped."""
        if not self.path.exists():
            return QueueContents()
        with self._locked(exclusive=False) as handle:
            return _parse(handle, self.path)

    def submit(
        self,
        place_id: str,
        field_code: str,
        message: str,
        client: str,
        place_name: str = "",
        now: datetime | None = None,
    ) -> CorrectionRequest:
        """Queue a checked report, unless `client` already sent `per_hour` in the last hour.

        Raises:
            TooManyReports: the client reached the limit; nothing is written.
        """
        moment = now or _now()
        with self._locked(exclusive=True) as handle:
            contents = _parse(handle, self.path)
            recent = sorted(
                datetime.fromisoformat(r.received)
                for r in contents.requests
                if r.client == client and datetime.fromisoformat(r.received) > moment - WINDOW
            )
            if len(recent) >= self.per_hour:
                oldest = recent[-self.per_hour] if self.per_hour > 0 else moment
                wait = oldest + WINDOW - moment
                raise TooManyReports(
                    "Vous avez envoyé beaucoup de signalements en peu de temps : réessayez "
                    "dans une heure. Merci de votre aide !",
                    retry_after_s=max(1, math.ceil(wait.total_seconds())),
                )
            taken = {r.id for r in contents.requests}
            request_id = secrets.token_hex(4)
            while request_id in taken:
                request_id = secrets.token_hex(4)
            request = CorrectionRequest(
                id=request_id,
                received=_stamp(moment),
                place_id=place_id,
                field=field_code,
                message=message,
                client=client,
                place_name=place_name,
            )
            _append(handle, {"kind": "request", **asdict(request)})
        log.info("correction request %s queued for place %s", request.id, place_id)
        return request

    def close(self, request_id: str, status: str, now: datetime | None = None) -> CorrectionRequest:
        """Mark an open request accepted or rejected (a status line appended to the queue).

        Raises:
            UnknownCorrection: no such request, or it is already closed.
        """
        if status not in (ACCEPTED, REJECTED):
            raise ValueError(f"not a closing status: {status}")
        moment = _stamp(now or _now())
        with self._locked(exclusive=True) as handle:
            found = {r.id: r for r in _parse(handle, self.path).requests}.get(request_id)
            if found is None:
                raise UnknownCorrection(f"Aucune demande de correction n° {request_id}.")
            if not found.is_open:
                raise UnknownCorrection(
                    f"La demande n° {request_id} est déjà close ({found.status})."
                )
            _append(handle, {"kind": "status", "id": request_id, "status": status, "at": moment})
        log.info("correction request %s closed: %s", request_id, status)
        return replace(found, status=status, closed=moment)


def _append(handle: IO[str], entry: dict[str, Any]) -> None:
    """Write one line at the end, after finishing a line a crash may have left incomplete."""
    handle.seek(0, os.SEEK_END)
    size = os.fstat(handle.fileno()).st_size
    if size and os.pread(handle.fileno(), 1, size - 1) != b"\n":
        handle.write("\n")
    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    handle.flush()


def _parse(handle: IO[str], path: Path) -> QueueContents:
    """Fold the request and status lines of an open queue file."""
    requests: dict[str, CorrectionRequest] = {}
    unreadable = []
    names = set(CorrectionRequest.__dataclass_fields__)
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            if entry["kind"] == "request":
                request = CorrectionRequest(**{k: v for k, v in entry.items() if k in names})
                datetime.fromisoformat(request.received)
                requests[request.id] = request
            elif entry["kind"] == "status" and entry["status"] in STATUSES:
                found = requests[entry["id"]]
                requests[found.id] = replace(found, status=entry["status"], closed=entry["at"])
            else:
                raise ValueError(entry["kind"])
        except (ValueError, KeyError, TypeError):
            log.warning("%s: line %d unreadable, skipped", path, number)
            unreadable.append(number)
    return QueueContents(list(requests.values()), unreadable)


def one_line(text: str, width: int) -> str:
    """`text` on one line, cut to `width` characters with an ellipsis."""
    flat = " ".join(normalise_message(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def format_table(requests: list[CorrectionRequest], message_width: int = 60) -> str:
    """The requests as a plain-text table for curators (French headings), oldest first."""
    lines = [f"{'n°':<9}{'reçue (UTC)':<17}  {'statut':<9} {'lieu':<30} {'champ':<10} message"]
    for item in requests:
        place = one_line(f"{item.place_id} {item.place_name}".strip(), 30)
        lines.append(
            f"{item.id:<9}{item.received[:16].replace('T', ' '):<17}  {item.status:<9} "
            f"{place:<30} {item.field:<10} {one_line(item.message, message_width)}"
        )
    return "\n".join(lines)
