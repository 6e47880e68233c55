"""The API's model cache: bounded, least recently *used* evicted (a hit counts), default kept."""

from __future__ import annotations

import threading

from api.deps import LoadedModel, ModelCache


class CountingCache(ModelCache):
    """A cache whose loads make placeholder models (no store): what is evicted is what is reloaded."""

    def __init__(self, max_models: int = 3) -> None:
        super().__init__("/nonexistent-models", "default", max_models=max_models)
        self.loads: list[str] = []

    def _load(self, ref: str) -> LoadedModel:
        self.loads.append(ref)
        return LoadedModel(ref=ref, name=ref.split(":")[0], version="v1", model=object())


def test_a_hit_makes_a_model_the_most_recently_used():
    """A hit left the entry where it was loaded, so the cache evicted in load order (code review)."""
    cache = CountingCache(max_models=3)
    for ref in (None, "a", "b"):
        cache.get(ref)
    first_a = cache.get("a")  # recently used: must survive the next load
    cache.get("c")  # evicts the least recently used: b (not a, loaded before b)
    assert list(cache._models) == ["default", "a", "c"]
    assert cache.get("a") is first_a and cache.loads == ["default", "a", "b", "c"]
    cache.get("b")  # b was evicted: loaded again; now the default stays (never evicted) and LRU is c
    assert list(cache._models) == ["default", "a", "b"]
    assert cache.loads[-1] == "b"


def test_peek_does_not_count_as_use():
    """Probes and listings (/ready, /v1/models) must not keep a model in the cache."""
    cache = CountingCache(max_models=3)
    for ref in ("default", "a", "b"):
        cache.get(ref)
    cache.peek("a")
    cache.get("c")
    assert "a" not in cache._models and list(cache._models) == ["default", "b", "c"]


def test_hits_from_many_threads_keep_the_cache_whole():
    cache = CountingCache(max_models=4)
    refs = ["default", "a", "b", "c", "d", "e"]
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(300):
                cache.get(refs[(i + offset) % len(refs)])
                list(cache.loaded())  # readers iterate without the lock while others reorder
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(cache._models) <= 4 and "default" in cache._models
    assert all(key == item.ref for key, item in cache._models.items())
