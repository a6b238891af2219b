"""A Redis lock store whose ticket bookkeeping is atomic across Rasa servers.

Rasa 3.6's RedisLockStore issues, finishes and cleans up tickets by reading the lock,
changing it in the server and writing it back. Two servers doing that for the same
conversation at the same moment overwrite each other: a ticket is lost, or the lock
is deleted while someone waits, and a message then waits out the lock lifetime (the
HTTP request times out with 503) or fails. Found by tests/e2e/test_multi_server.py.
Here every read-modify-write of one conversation's lock holds a short Redis mutex.

endpoints.yml:  lock_store: {type: server.lock_store.AtomicRedisLockStore, url: HOST, port: 6379, ...}
"""
from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore

MUTEX_TIMEOUT = 10  # seconds; a bookkeeping step takes milliseconds


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[Any] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        kwargs.pop("type", None)
        super().__init__(**kwargs)

    def _mutex(self, conversation_id: Text):
        return self.red.lock(f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_TIMEOUT,
                             blocking_timeout=MUTEX_TIMEOUT)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            lock = self.get_lock(conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self.save_lock(lock)
            else:
                self.delete_lock(conversation_id)
