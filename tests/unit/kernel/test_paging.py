from dataclasses import dataclass

from core.kernel.paging import last_id, pages


@dataclass
class Row:
    id: int | None


def test_pages_start_after_the_last_id_until_a_page_says_no_more() -> None:
    ids = list(range(1, 8))
    asked: list[int] = []

    def page(after: int) -> tuple[list[int], int | None]:
        asked.append(after)
        rows = [Row(i) for i in ids if i > after][:3]
        return [r.id or 0 for r in rows], last_id(rows, 3)

    assert list(pages(page)) == [[1, 2, 3], [4, 5, 6], [7]]
    assert asked == [0, 3, 6]


def test_a_full_last_page_is_followed_by_an_empty_one() -> None:
    assert last_id([Row(1), Row(2)], 2) == 2
    assert last_id([], 2) is None
    assert sum(pages(lambda after: (1, None if after else 5))) == 2
