"""Objects of one kind kept in their API's list order, so that a page costs
O(log n + page size) instead of a scan of the whole collection.

Each object has a sort key (a tuple ending with its id, hence unique). The collection keeps
the keys sorted, for everything and per project, and finds a marker with bisect. The key of
a deleted object is remembered, so a marker deleted between two pages still works
[guess: the real services look markers up in their database, where Nova and Cinder keep
soft-deleted rows]."""
import bisect
from itertools import islice


class Collection:
    def __init__(self, key):
        self._key = key
        self.by_id = {}
        self._keys = []
        self._by_project = {}
        self._gone = {}

    def __len__(self) -> int:
        return len(self.by_id)

    def __contains__(self, ident) -> bool:
        return isinstance(ident, str) and ident in self.by_id

    def get(self, ident):
        return self.by_id.get(ident) if isinstance(ident, str) else None

    def values(self):
        return self.by_id.values()

    def in_project(self, project_id) -> list:
        return [self.by_id[key[-1]] for key in self._by_project.get(project_id, [])]

    def count(self, project_id) -> int:
        return len(self._by_project.get(project_id, ()))

    def add(self, obj) -> None:
        key = self._key(obj)
        self.by_id[obj.id] = obj
        bisect.insort(self._keys, key)
        bisect.insort(self._by_project.setdefault(obj.project_id, []), key)

    def add_many(self, objects) -> None:
        """Bulk insert (seeding): one sort instead of an insort per object."""
        touched = set()
        for obj in objects:
            key = self._key(obj)
            self.by_id[obj.id] = obj
            self._keys.append(key)
            self._by_project.setdefault(obj.project_id, []).append(key)
            touched.add(obj.project_id)
        self._keys.sort()
        for project in touched:
            self._by_project[project].sort()

    def remove(self, obj) -> None:
        key = self._key(obj)
        del self.by_id[obj.id]
        _discard(self._keys, key)
        keys = self._by_project.get(obj.project_id)
        if keys is not None:
            _discard(keys, key)
            if not keys:
                del self._by_project[obj.project_id]
        self._gone[obj.id] = key

    def rekey(self, obj, change) -> None:
        """Applies change() to an object whose sort key it alters (time shifts)."""
        self.remove(obj)
        del self._gone[obj.id]
        change()
        self.add(obj)

    def marker_key(self, ident):
        obj = self.by_id.get(ident)
        return self._key(obj) if obj is not None else self._gone.get(ident)

    def walk(self, project_id=None, after=None, descending=False, before=None):
        """Objects in key order (reversed when descending), strictly after the key `after`
        in that order; with `before`, those strictly before it, nearest first."""
        keys = self._keys if project_id is None else self._by_project.get(project_id, [])
        if before is not None:
            descending = not descending
            after = before
        if descending:
            start = len(keys) if after is None else bisect.bisect_left(keys, after)
            indexes = range(start - 1, -1, -1)
        else:
            start = 0 if after is None else bisect.bisect_right(keys, after)
            indexes = range(start, len(keys))
        by_id = self.by_id
        return (by_id[keys[i][-1]] for i in indexes)


def _discard(keys: list, key) -> None:
    index = bisect.bisect_left(keys, key)
    if index < len(keys) and keys[index] == key:
        del keys[index]


def take(objects, limit, predicate=None):
    """(up to limit objects matching predicate, whether at least one more matches)."""
    if predicate is not None:
        objects = (obj for obj in objects if predicate(obj))
    if limit is None:
        return list(objects), False
    chosen = list(islice(objects, limit + 1))
    return chosen[:limit], len(chosen) > limit
