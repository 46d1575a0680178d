"""The delimited-text reader: encodings per line, delimiters, and every physical line accounted
for with its line number (hand-made files, answers worked out by hand)."""

from __future__ import annotations

import pytest

from pipeline.ingest.delimited import UnreadableFile, read_delimited, sniff_delimiter, to_utf8


def _rows(d) -> list[list]:
    return d.frame.drop(columns="_line").astype(object).where(d.frame.notna(), None).values.tolist()


def test_plain_file_keeps_physical_line_numbers():
    d = read_delimited(b"A,B,C\n1,2,3\n\n4,,6\n")
    assert d.names == ["A", "B", "C"]
    assert _rows(d) == [["1", "2", "3"], ["4", None, "6"]]
    assert d.frame["_line"].tolist() == [2, 4]  # the blank line 3 is counted, not read
    assert (d.records, d.blank_lines) == (2, 1)
    assert d.rejected.empty


def test_utf8_file_with_a_few_windows_1252_lines_decodes_each_line_right():
    raw = "A,B\n1,Zoë\n".encode() + "2,Zoë\n".encode("cp1252") + "3,Chloé\n".encode()
    text, encoding = to_utf8(raw)
    assert text.decode("utf-8").split("\n")[1:4] == ["1,Zoë", "2,Zoë", "3,Chloé"]
    assert encoding == "utf-8, 1 line cp1252"
    assert _rows(read_delimited(raw))[1] == ["2", "Zoë"]


def test_whole_windows_1252_file_is_named_so():
    assert to_utf8("A,B\n1,Zoë\n".encode("cp1252"))[1] == "cp1252"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_bom(codec):
    d = read_delimited("A,B\n1,Zoë\n".encode(codec))
    assert d.names == ["A", "B"] and _rows(d) == [["1", "Zoë"]]
    assert d.encoding.startswith("utf-16")


def test_utf8_bom_is_dropped():
    d = read_delimited(b"\xef\xbb\xbfA,B\n1,2\n")
    assert d.names == ["A", "B"] and d.encoding == "utf-8-sig"


@pytest.mark.parametrize(
    "header, delimiter",
    [("A,B,C", ","), ("A;B;C", ";"), ("A\tB\tC", "\t"), ("A|B|C", "|"), ("A", ",")],
)
def test_delimiter_is_the_one_that_splits_the_header_most(header, delimiter):
    assert sniff_delimiter(header) == delimiter


def test_decimal_commas_in_a_semicolon_file_do_not_fool_the_sniffer():
    d = read_delimited(b"CHILD;SDQ_SCORE\n1;12,0\n2;7,5\n")
    assert d.delimiter == ";" and _rows(d) == [["1", "12,0"], ["2", "7,5"]]


def test_excel_sep_line_sets_the_delimiter_and_counts_as_a_line():
    d = read_delimited(b"sep=;\r\nA;B\r\n1;2,5\r\n")
    assert d.delimiter == ";" and _rows(d) == [["1", "2,5"]]
    assert d.frame["_line"].tolist() == [3]


def test_unclosed_quote_costs_only_its_own_line():
    d = read_delimited(b'A,B,C\n1,"2,3\n4,5,6\n7,8,9\n')
    assert _rows(d) == [["4", "5", "6"], ["7", "8", "9"]]
    assert d.rejected.to_dict("records") == [
        {"_line": 2, "reason": "unclosed or misplaced quote", "text": '1,"2,3'}
    ]
    assert d.records == 3


def test_quoted_values_and_quotes_inside_values():
    d = read_delimited(b'A,B\n"1,5","say ""hi"""\nO"Brien,2\n')
    assert _rows(d) == [["1,5", 'say "hi"'], ['O"Brien', "2"]]
    assert d.rejected.empty


def test_ragged_lines_are_rejected_but_empty_extras_are_dropped():
    d = read_delimited(b"A,B,C\n1,2\n3,4,5,6\n7,8,9,,\n10,11,12\n")
    assert _rows(d) == [["7", "8", "9"], ["10", "11", "12"]]
    assert d.frame["_line"].tolist() == [4, 5]
    assert d.rejected[["_line", "reason"]].to_dict("records") == [
        {"_line": 2, "reason": "2 fields where the header has 3"},
        {"_line": 3, "reason": "4 fields where the header has 3"},
    ]


def test_old_mac_line_ends():
    d = read_delimited(b"A,B\r1,2\r3,4\r")
    assert _rows(d) == [["1", "2"], ["3", "4"]]


def test_last_line_without_a_line_end_is_read():
    d = read_delimited(b"A,B\n1,2\n3,4")
    assert _rows(d) == [["1", "2"], ["3", "4"]] and d.blank_lines == 0


@pytest.mark.parametrize(
    "raw, reason",
    [(bytes(range(256)) * 4, "binary"), (b"\n\n\n", "no header"), (b"sep=;\n", "no header")],
)
def test_unreadable_files_say_why(raw, reason):
    with pytest.raises(UnreadableFile, match=reason):
        read_delimited(raw)


def test_header_only_file_has_no_rows():
    d = read_delimited(b"A,B\n")
    assert d.names == ["A", "B"] and d.frame.empty and d.records == 0


def test_good_lines_in_several_runs_are_read_whole_with_their_line_numbers():
    # a blank line and a rejected line split the good lines into three runs; CR LF line ends,
    # the last line without one
    d = read_delimited(b"A,B\r\n1,2\r\n\r\n3,4\r\n5,6\r\n7\r\n8,9\r\n10,11")
    assert _rows(d) == [["1", "2"], ["3", "4"], ["5", "6"], ["8", "9"], ["10", "11"]]
    assert d.frame["_line"].tolist() == [2, 4, 5, 7, 8]
    assert d.rejected[["_line", "reason"]].to_dict("records") == [
        {"_line": 6, "reason": "1 fields where the header has 2"}
    ]
    assert (d.records, d.blank_lines) == (6, 1)


def test_a_nul_byte_anywhere_makes_the_file_binary():
    with pytest.raises(UnreadableFile, match="binary"):
        read_delimited(b"A,B\n1,\x002\n")
