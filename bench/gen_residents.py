"""Write an N-row residents list as another system would export it: messy but importable.

    python bench/gen_residents.py --rows 100000 --out var/bench/residents-100k.xlsx
    python bench/gen_residents.py --rows 2000 --out var/bench/messy.csv --encoding gbk --errors 20

Mess: Traditional characters in some names, stray and ideographic spaces, full-width digits
in IDs and phones, birth dates written 1965.3.2 / 1965/3/2 / 1965年3月2日 / Excel serials,
15-digit legacy ID numbers, rows without ID numbers, households sharing a 户编号, tags
written in several ways, villages given by code or by name. ``--errors N`` adds N broken
rows (wrong checksum, impossible date, unknown village, duplicate ID) to practise fixing.
Needs only the standard library and openpyxl; village codes come from the demo data.
"""

import argparse
import csv
import datetime
import random
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "xianfeng" / "demo" / "data" / "dongang_regions.csv"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
HEADER = ["姓名", "公民身份号码", "性别", "出生日期", "手机号", "村(社区)", "住址", "户编号", "与户主关系", "人群分类"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国玉兰志强海燕春梅凤兰德胜永红淑珍桂芝大文小明美玲"
TRADITIONAL = {
    "陈": "陳",
    "刘": "劉",
    "张": "張",
    "黄": "黃",
    "赵": "趙",
    "杨": "楊",
    "吴": "吳",
    "郑": "鄭",
    "谢": "謝",
    "华": "華",
    "国": "國",
    "军": "軍",
    "丽": "麗",
    "凤": "鳳",
    "兰": "蘭",
    "红": "紅",
    "胜": "勝",
    "伟": "偉",
}
TAG_SPELLINGS = [
    "",
    "",
    "",
    "",
    "",
    "",
    "残疾人",
    "残疾",
    "孕产妇",
    "孕妇",
    "在校学生",
    "学生",
    "严重精神障碍",
    "慢性病",
    "低保户",
    "低保",
    "监测户",
    "脱贫户",
    "残疾人、低保户",
    "援鄂家属",
]
RELATIONS = ["配偶", "妻", "子", "女", "儿子", "女儿", "父亲", "母亲", "孙子", "其他"]


def fitting_tag(tag: str, female: bool, birth: datetime.date) -> str:
    """Blank a group that contradicts sex or age: the import refuses those (xianfeng/residents/rules.py).
    Ages are judged a year inside the rules' bounds, so the file stays valid for a while."""
    age = datetime.date.today().year - birth.year
    if tag in ("孕产妇", "孕妇") and not (female and 16 <= age <= 55):
        return ""
    if tag in ("在校学生", "学生") and not 8 <= age <= 33:
        return ""
    return tag


def check_char(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def villages() -> list[tuple[str, str]]:
    """(code, name to write when the village is given by name: "" when the name is not unique)."""
    with DATA.open(encoding="utf-8") as f:
        found = [(row[0], row[1]) for row in csv.reader(f) if len(row[0]) == 12 and row[0].isdigit()]
    names = [name for _code, name in found]
    return [(code, name if names.count(name) == 1 else "") for code, name in found]


class Generator:
    def __init__(self, seed: int, excel_serials: bool):
        self.rng = random.Random(seed)
        self.villages = villages()
        self.used: set[str] = set()
        self.excel_serials = excel_serials

    def name(self) -> str:
        r = self.rng
        name = r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))
        if r.random() < 0.15:
            name = "".join(TRADITIONAL.get(c, c) for c in name)
        if r.random() < 0.05:
            name = f" {name[0]} {name[1:]}" if r.random() < 0.5 else name[0] + "\u3000" + name[1:]
        return name

    def id_number(self, area: str, birth: datetime.date, female: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (0 if female else 1)
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + check_char(first17)

    def birth_cell(self, birth: datetime.date):
        r = self.rng.random()
        if r < 0.35:
            return birth.isoformat()
        if r < 0.55:
            return f"{birth.year}.{birth.month}.{birth.day}"
        if r < 0.7:
            return f"{birth.year}/{birth.month}/{birth.day}"
        if r < 0.85:
            return f"{birth.year}年{birth.month}月{birth.day}日"
        if self.excel_serials:
            return (birth - datetime.date(1899, 12, 30)).days
        return f"{birth:%Y%m%d}"

    def rows(self, count: int, errors: int):
        r = self.rng
        household_no = 0
        written = 0
        while written < count:
            household_no += 1
            code, village_name = r.choice(self.villages)
            address = f"{(village_name or '新村')[:3]}{r.randint(1, 300)}号"
            size = min(r.choice((1, 1, 2, 2, 3, 3, 4, 5)), count - written)
            number = f"H{code[-6:]}{household_no:06d}" if size > 1 or r.random() < 0.5 else ""
            for member in range(size):
                female = r.random() < 0.5
                birth = datetime.date(r.randint(1930, 2020), r.randint(1, 12), r.randint(1, 28))
                number_text = ""
                if r.random() > 0.04:  # 4 % without an ID number
                    number_text = self.id_number(code[:6], birth, female)
                    if birth.year < 2000 and r.random() < 0.03:
                        number_text = number_text[:6] + number_text[8:17]  # legacy 15-digit
                    elif r.random() < 0.05:
                        number_text = fullwidth(number_text)
                phone = f"1{r.choice('3578')}{r.randrange(10**9):09d}" if r.random() < 0.7 else ""
                if phone and r.random() < 0.1:
                    phone = fullwidth(phone[:3]) + " " + phone[3:7] + " " + phone[7:]
                village = village_name if village_name and r.random() < 0.1 else code
                relation = "户主" if member == 0 else r.choice(RELATIONS)
                yield [
                    self.name(),
                    number_text,
                    "女" if female else "男",
                    self.birth_cell(birth),
                    phone,
                    village,
                    address,
                    number,
                    relation if number else "",
                    fitting_tag(r.choice(TAG_SPELLINGS), female, birth),
                ]
                written += 1
                if written >= count:
                    break
        yield from self.broken_rows(errors)

    def broken_rows(self, errors: int):
        code = self.villages[0][0]
        for i in range(errors):
            birth = datetime.date(1960, 1, 1 + i % 28)
            good = self.id_number(code[:6], birth, False)
            kind = i % 4
            if kind == 0:
                bad_id = good[:17] + ("0" if good[17] != "0" else "1")
                yield ["错号码", bad_id, "男", "", "", code, "", "", "", ""]
            elif kind == 1:
                yield ["错日期", "", "男", "1965.2.30", "", code, "", "", "", ""]
            elif kind == 2:
                yield ["错村", "", "女", "1970-01-01", "", "999999999999", "", "", "", ""]
            else:
                yield ["重号一", good, "男", "", "", code, "", "", "", ""]
                yield ["重号二", good, "男", "", "", code, "", "", "", ""]


def write(path: Path, rows, encoding: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding=encoding, newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("居民")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
        count += 1
    wb.save(path)
    return count


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("var/bench/residents-100k.xlsx"))
    parser.add_argument("--encoding", default="gbk", help="for .csv: gbk, gb18030, utf-8, utf-8-sig")
    parser.add_argument("--errors", type=int, default=0, help="append this many broken rows")
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args(argv)
    generator = Generator(args.seed, excel_serials=args.out.suffix.lower() != ".csv")
    count = write(args.out, generator.rows(args.rows, args.errors), args.encoding)
    print(f"wrote {count} rows to {args.out}")
    return args.out


if __name__ == "__main__":
    main()
