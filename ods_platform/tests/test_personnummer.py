"""Personnummer and samordningsnummer in free text: found when real, left alone otherwise.

Pure logic, no database. The check digits below were computed, not guessed, and
`test_impossible_dates_carry_a_right_check_digit` proves that the date examples are refused for
their date, not by the accident of a wrong check digit.
"""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ods_platform.lib.personnummer import contains_identity_number, find_identity_numbers

# Digit sums of 2*d for d = 0..9, so that the tests' check digit shares no code with the module.
_DOUBLED_DIGIT_SUM = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def check_digit(nine_digits: str) -> int:
    """Luhn check digit for YYMMDDNNN: the 1st, 3rd, ... digit from the left is doubled."""
    assert len(nine_digits) == 9 and nine_digits.isdigit()
    doubled = sum(_DOUBLED_DIGIT_SUM[int(d)] for d in nine_digits[0::2])
    single = sum(int(d) for d in nine_digits[1::2])
    return -(doubled + single) % 10


def test_the_tests_check_digit_agrees_with_known_numbers():
    assert check_digit("811228987") == 4  # Skatteverket's example, 811228-9874
    assert check_digit("121212121") == 2  # the well-known test number 121212-1212
    assert check_digit("701063239") == 1


@pytest.mark.parametrize(
    "number",
    [
        # Every accepted shape of one number.
        "811228-9874",
        "8112289874",
        "19811228-9874",
        "198112289874",
        "811228+9874",
        "811228 9874",
        "19811228 9874",
        "19811228+9874",
        "121212-1212",
        "20031130-5551",
        "18991231-1231",
        "811228-1020",  # check digit 0
        # Samordningsnummer: day of birth plus 60.
        "701063-2391",
        "7010632391",
        "197010632391",
        "19701063-2391",
        "701063+2391",
        "701063 2391",
        "811290-9877",  # 30 December
        # 29 February: 1988 and 2004 are leap years; a year ending 00 is one in 2000, not 1900.
        "880229-1230",
        "040229-4565",
        "000229-1235",
        "20000229-1235",
        "040289-3218",
        "000289-1232",
    ],
)
def test_a_real_number_is_found_whole(number):
    assert find_identity_numbers(number) == [number]
    assert contains_identity_number(number)


IMPOSSIBLE_DATES = [
    "811328-9873",  # month 13
    "810028-1230",  # month 00
    "811232-9878",  # day 32
    "811200-9876",  # day 00
    "810230-9872",  # 30 February
    "820431-1230",  # 31 April
    "890229-1239",  # 29 February in a year that is not leap in either century
    "010229-1234",  # nor here: 1901 and 2001
    "19000229-1235",  # 1900 was not a leap year, though 000229-1235 is valid for 2000
    "810060-1239",  # day 60: past any month, short of a samordningsnummer
    "701092-2396",  # samordningsnummer day 92, that is day 32
    "820491-1237",  # samordningsnummer for 31 April
    "890289-1236",  # samordningsnummer for 29 February 1989
]


def test_impossible_dates_carry_a_right_check_digit():
    for number in IMPOSSIBLE_DATES:
        ten = number.replace("-", "")[-10:]
        assert int(ten[-1]) == check_digit(ten[:9]), number


@pytest.mark.parametrize("number", IMPOSSIBLE_DATES)
def test_an_impossible_date_is_not_a_number(number):
    assert find_identity_numbers(number) == []
    assert not contains_identity_number(number)


@pytest.mark.parametrize("wrong", "012356789")
def test_a_wrong_check_digit_is_not_a_number(wrong):
    # 811228-9874 is real; every other last digit is wrong.
    for shape in ("811228-987{}", "811228987{}", "19811228-987{}", "811228+987{}", "811228 987{}"):
        assert find_identity_numbers(shape.format(wrong)) == [], shape


@pytest.mark.parametrize("wrong", "023456789")
def test_a_samordningsnummer_with_a_wrong_check_digit_is_not_a_number(wrong):
    # 701063-2391 is real.
    assert find_identity_numbers(f"Såg en person, pnr 701063-239{wrong}, vid porten") == []


def test_a_number_in_swedish_prose_is_found():
    text = "Såg en person, pnr 811228-9874, vid porten"
    assert find_identity_numbers(text) == ["811228-9874"]
    assert contains_identity_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "pnr:811228-9874.",
        "(19811228-9874)",
        "personnummer8112289874",
        "8112289874st",
        "Anmälare:\n811228-9874\n",
        "ÅÄÖ811228+9874ÅÄÖ",
    ],
)
def test_letters_and_punctuation_around_a_number_do_not_hide_it(text):
    assert contains_identity_number(text)


def test_every_number_in_a_text_is_returned_in_order():
    text = (
        "Två personer: 811228-9874 och 701063-2391; "
        "den förra igen som 198112289874, och en falsk 811228-9875."
    )
    assert find_identity_numbers(text) == ["811228-9874", "701063-2391", "198112289874"]


@pytest.mark.parametrize(
    "text",
    [
        "08112289874",  # a digit in front
        "81122898740",  # a digit behind
        "4581122898741234",  # inside a card-like number
        "0701234567890",
        "1981122898745",
        "55811228-9874",  # a century no one was born in, with 811228-9874 as its tail
        "17811228-9874",
        "21811228-9874",
        "811228-98741",
        "811228--9874",  # one separator at most
        "811228  9874",
        "811228-+9874",
        "81-12-28-9874",
        "811228-987",
    ],
)
def test_a_number_inside_a_longer_run_or_another_shape_is_not_found(text):
    assert find_identity_numbers(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Ring 08-123 456 78 eller 070-123 45 67.",
        "+46 70 123 45 67",
        "+46701234567",
        "0046 8 123 456 78",
        "020-123 456",
        "Mötet är 2024-05-01 kl. 12:30, nästa 2024-06-12.",
        "1981-12-28",
        "19811228",
        "811228",
        "postnummer 123 45 Stockholm",
        "",
    ],
)
def test_phone_numbers_dates_and_plain_text_are_not_flagged(text):
    assert find_identity_numbers(text) == []
    assert not contains_identity_number(text)


def test_a_long_text_is_searched_whole():
    # About 10,000 characters, numbers near both ends and a long run of digits in between.
    filler = "Observation vid Slussen, 12 personer, tel 08-123 456 78. " * 80
    text = "811228-9874 " + filler + "9" * 5000 + " " + filler + " 701063-2391"
    assert len(text) > 10_000
    assert find_identity_numbers(text) == ["811228-9874", "701063-2391"]


def _shapes_written(born: date, yymmdd: str, serial: str, check: int) -> list[str]:
    """Every accepted way to write one number, given its date part as written."""
    century = f"{born.year // 100:02d}"
    last = f"{serial}{check}"
    return [
        f"{yymmdd}{last}",
        f"{yymmdd}-{last}",
        f"{yymmdd}+{last}",
        f"{yymmdd} {last}",
        f"{century}{yymmdd}{last}",
        f"{century}{yymmdd}-{last}",
        f"{century}{yymmdd} {last}",
        f"{century}{yymmdd}+{last}",
    ]


@given(
    born=st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    samordning=st.booleans(),
    wrong_by=st.integers(min_value=1, max_value=9),
)
def test_any_real_number_is_found_in_every_shape_and_not_with_a_wrong_check_digit(
    born, serial, samordning, wrong_by
):
    serial_digits = f"{serial:03d}"
    # A samordningsnummer writes the day plus 60; the check digit is over what is written.
    day = born.day + 60 if samordning else born.day
    written = f"{born.year % 100:02d}{born.month:02d}{day:02d}"
    check = check_digit(written + serial_digits)
    wrong = (check + wrong_by) % 10

    for right_shape, wrong_shape in zip(
        _shapes_written(born, written, serial_digits, check),
        _shapes_written(born, written, serial_digits, wrong),
        strict=True,
    ):
        text = f"Anteckning: {right_shape}, vid porten."
        assert find_identity_numbers(text) == [right_shape]
        assert find_identity_numbers(f"Anteckning: {wrong_shape}, vid porten.") == []


@pytest.mark.parametrize("text", ["811228\u20139874", "811228\u00a09874", "19811228\u20139874"])
def test_a_number_pasted_from_a_word_processor_is_found(text):
    # Word processors turn '-' into an en dash and spaces into no-break spaces.
    assert find_identity_numbers(f"Kontakt {text} vid porten") == [text]
