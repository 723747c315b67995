"""The item catalogue as shipped (issue 12 §3): what the seed articles' donation drives and
workshops handled. Loaded by migration 0002; an administrator edits or adds items afterwards.
Each item's distributions count as the named service type, in that type's unit."""

# code, name, category, unit, service type code
ITEMS = [
    ("masks", "口罩", "masks", "件", "mask_distribution"),
    ("protective_suit", "防护服", "protective", "件", "donation_goods"),
    ("food", "食品", "food", "件", "donation_goods"),
    ("school_supplies", "学习用品", "school", "件", "donation_goods"),
    ("books", "图书", "books", "册", "book_donation"),
    ("clothes", "衣物", "clothes", "件", "donation_goods"),
    ("wheelchair", "轮椅", "assistive", "件", "assistive_device"),
    ("walking_aid", "助行器", "assistive", "件", "assistive_device"),
    ("money", "善款", "money", "元", "donation_money"),
]


def load_items(item_model, service_type_model) -> int:
    """Create the shipped items a database does not have yet (edited ones stay as they are)."""
    types = {t.code: t for t in service_type_model.objects.filter(code__in=[row[4] for row in ITEMS])}
    known = set(item_model.objects.values_list("code", flat=True))
    created = 0
    for order, (code, name, category, unit, type_code) in enumerate(ITEMS):
        if code in known or type_code not in types:
            continue
        item_model.objects.create(
            code=code,
            name=name,
            category=category,
            unit=unit,
            service_type=types[type_code],
            sort_order=(order + 1) * 10,
        )
        created += 1
    return created
