"""The report's own words in English and Russian (sector, region and factor names come from
the study's label file, :mod:`cge.reporting.labels`)."""

from __future__ import annotations

#: key -> (English, Russian)
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Study", "Исследование"),
    "language": ("English", "Русский"),
    "contents": ("Contents", "Содержание"),
    "step1": ("Step 1. Information and analysis: the region's economy and its links",
              "Шаг 1. Информационно-аналитический: экономика региона и её связи"),
    "step2": ("Step 2. Targets: the baseline to the target year and the gap",
              "Шаг 2. Целевой: базовый сценарий до целевого года и разрыв с целями"),
    "step3": ("Step 3. Implementation: instruments compared in the CGE model",
              "Шаг 3. Реализационный: сравнение инструментов в модели общего равновесия"),
    "region": ("Region", "Регион"),
    "partners": ("Partners", "Партнёры"),
    "units": ("Units", "Единицы"),
    "sam": ("SAM", "Матрица социальных счетов"),
    "generated": ("Written by cge", "Подготовлено cge"),
    "sector": ("Sector", "Отрасль"),
    "indicator": ("Indicator", "Показатель"),
    "year": ("Year", "Год"),
    "instrument": ("Instrument", "Инструмент"),
    "total": ("Total", "Итого"),
    "world": ("Rest of the world", "Остальной мир"),
    # step 1
    "t_macro": ("SAM diagnostics: GRP three ways and its components",
                "Диагностика МСС: ВРП тремя методами и его компоненты"),
    "problems_none": ("The SAM check finds no problems; largest relative imbalance of an "
                      "account: {x}.",
                      "Проверка МСС не выявила проблем; наибольший относительный дисбаланс "
                      "счёта: {x}."),
    "problems_some": ("The SAM check lists {n} problem(s); largest relative imbalance of an "
                      "account: {x}:",
                      "Проверка МСС выявила проблем: {n}; наибольший относительный дисбаланс "
                      "счёта: {x}:"),
    "output": ("Output", "Выпуск"),
    "gva": ("Gross value added", "Валовая добавленная стоимость"),
    "grp_production": ("GRP by production", "ВРП производственным методом"),
    "grp_income": ("GRP by income", "ВРП распределительным методом"),
    "grp_expenditure": ("GRP by expenditure", "ВРП методом использования"),
    "consumption": ("Household consumption", "Потребление домашних хозяйств"),
    "government": ("Government consumption", "Государственное потребление"),
    "investment": ("Investment", "Инвестиции"),
    "exports_foreign": ("Exports abroad", "Экспорт за рубеж"),
    "imports_foreign": ("Imports from abroad", "Импорт из-за рубежа"),
    "exports_interregional": ("Sales to other regions", "Вывоз в другие регионы"),
    "imports_interregional": ("Purchases from other regions", "Ввоз из других регионов"),
    "t_structure": ("Structure and specialisation: location quotients against the country",
                    "Структура и специализация: коэффициенты локализации относительно страны"),
    "gva_share": ("Share of the region's GVA, %", "Доля в ВДС региона, %"),
    "country_share": ("Share of the country's sector, %", "Доля в отрасли страны, %"),
    "lq": ("Location quotient", "Коэффициент локализации"),
    "specialisation": ("Krugman specialisation index against the country ({regions}): {x} "
                       "(0: the country's structure, 1: nothing in common).",
                       "Индекс специализации Кругмана относительно страны ({regions}): {x} "
                       "(0 — структура страны, 1 — ничего общего)."),
    "t_multipliers": ("Input-output multipliers and linkages",
                      "Мультипликаторы и межотраслевые связи (модель «затраты — выпуск»)"),
    "output_I": ("Output, type I", "Выпуск, тип I"),
    "output_II": ("Output, type II", "Выпуск, тип II"),
    "value_added_I": ("Value added, type I", "Добавленная стоимость, тип I"),
    "value_added_II": ("Value added, type II", "Добавленная стоимость, тип II"),
    "income_I": ("Income, type I", "Доходы, тип I"),
    "income_II": ("Income, type II", "Доходы, тип II"),
    "backward": ("Backward linkage", "Обратная связь"),
    "forward": ("Forward linkage", "Прямая связь"),
    "key_sector": ("Key sector (1 = yes)", "Ключевая отрасль (1 — да)"),
    "t_sales": ("Interregional links: where each sector's sales go, %",
                "Межрегиональные связи: куда направляются продажи отрасли, %"),
    "t_purchases": ("Interregional links: where each commodity's supply comes from, %",
                    "Межрегиональные связи: откуда поступают ресурсы продукта, %"),
    "f_lq": ("Location quotients of the region's sectors", "Коэффициенты локализации отраслей"),
    # step 2
    "t_baseline": ("Baseline path of the region", "Базовая траектория региона"),
    "GRP_real": ("Real GRP", "ВРП в постоянных ценах"),
    "employment": ("Employment (labour input at benchmark wages)",
                   "Занятость (затраты труда в базовых ставках оплаты)"),
    "t_targets": ("Targets and the gap in the target year", "Цели и разрыв в целевом году"),
    "start_value": ("Base year", "Базовый год"),
    "baseline_value": ("Baseline, target year", "Базовый сценарий, целевой год"),
    "baseline_growth": ("Baseline growth, % a year", "Рост в базовом сценарии, % в год"),
    "target_value": ("Target", "Цель"),
    "target_growth": ("Target growth, % a year", "Целевой рост, % в год"),
    "gap": ("Gap", "Разрыв"),
    "gap_pct": ("Gap, % of the baseline", "Разрыв, % от базового сценария"),
    "f_path": ("Real GRP: baseline and target", "ВРП в постоянных ценах: базовый сценарий и цель"),
    "baseline": ("baseline", "базовый сценарий"),
    "target": ("target", "цель"),
    "no_targets": ("The study names no targets.", "Цели в исследовании не заданы."),
    # step 3
    "t_instruments": ("Instruments compared", "Сравниваемые инструменты"),
    "kind": ("Kind", "Тип"),
    "agreement": ("agreement", "соглашение"),
    "project": ("project", "проект"),
    "programme": ("programme", "программа"),
    "combination": ("combination", "комбинация"),
    "description": ("Description", "Описание"),
    "cost": ("Public cost a year", "Бюджетные затраты в год"),
    "t_effects": ("Effects at full operation, ranked per rouble of public money",
                  "Эффекты при полной реализации, ранжированные на рубль бюджетных средств"),
    "GRP": ("Real GRP, change", "ВРП, изменение"),
    "GRP_pct": ("Real GRP, %", "ВРП, %"),
    "employment_pct": ("Employment, %", "Занятость, %"),
    "EV": ("Welfare (EV), region", "Благосостояние (ЭВ), регион"),
    "EV_all": ("Welfare (EV), all regions", "Благосостояние (ЭВ), все регионы"),
    "budget": ("Regional budget revenue, change", "Доходы бюджета региона, изменение"),
    "budget_all": ("All budgets' revenue, change", "Доходы всех бюджетов, изменение"),
    "GRP_per_rouble": ("GRP per rouble", "ВРП на рубль"),
    "employment_per_rouble": ("Employment per rouble", "Занятость на рубль"),
    "EV_per_rouble": ("EV per rouble", "ЭВ на рубль"),
    "budget_per_rouble": ("Regional budget per rouble", "Бюджет региона на рубль"),
    "gap_closed": ("Share of the GRP gap closed, %", "Доля закрытого разрыва по ВРП, %"),
    "rank": ("Rank", "Место"),
    "ranked_by": ("Ranked by {x}.", "Ранжирование по показателю «{x}»."),
    "failed": ("Not solved (shown as —): {x}.", "Не решены (показаны как —): {x}."),
    "t_welfare": ("Welfare decomposition of the region's EV (after Huff and Hertel 2000; "
                  "docs/welfare_decomposition.md)",
                  "Декомпозиция благосостояния (ЭВ) региона (по Хаффу и Хертелу, 2000; "
                  "docs/welfare_decomposition.md)"),
    "allocative": ("Allocative efficiency", "Аллокативная эффективность"),
    "endowment": ("Endowment", "Наделённость факторами"),
    "technology": ("Technology", "Технологии"),
    "tot_world": ("Terms of trade, world", "Условия торговли, мир"),
    "tot_interregional": ("Terms of trade, interregional", "Условия торговли, межрегиональные"),
    "income_transfers": ("Income and transfers, non-residents",
                         "Доходы и трансферты, нерезиденты"),
    "investment_savings": ("Investment and savings", "Инвестиции и сбережения"),
    "households": ("Households' price indices", "Индексы цен домашних хозяйств"),
    "welfare_skipped": ("Not decomposed (shown as —): {x}.", "Не разложены (показаны как —): {x}."),
    "t_intervals": ("Sensitivity intervals of the effects per rouble",
                    "Интервалы чувствительности эффектов на рубль"),
    "measure": ("Measure", "Показатель"),
    "mean": ("Mean", "Среднее"),
    "sd": ("Standard deviation", "Стандартное отклонение"),
    "low": ("Lower bound", "Нижняя граница"),
    "high": ("Upper bound", "Верхняя граница"),
    "intervals_note": ("{method} design, {n} solved sample(s), {failed} failed; intervals at "
                       "{level} ({how}).",
                       "План {method}, решённых точек: {n}, нерешённых: {failed}; интервалы "
                       "с уровнем {level} ({how})."),
    "chebyshev": ("Chebyshev: mean ± k sd, whatever the distribution",
                  "Чебышёв: среднее ± k ст. откл. при любом распределении"),
    "empirical": ("empirical quantiles", "эмпирические квантили"),
    "no_sensitivity": ("No sensitivity analysis was asked for ([sensitivity] in the study "
                       "file).", "Анализ чувствительности не задан (раздел [sensitivity])."),
    "t_regions": ("Real GRP of every region, change in %",
                  "ВРП всех регионов в постоянных ценах, изменение в %"),
    "f_map": ("Real GRP by region, change in %, a map per instrument on one colour scale",
              "ВРП по регионам в постоянных ценах, изменение в %, карта для каждого "
              "инструмента в единой цветовой шкале"),
    "maps_failed": ("Not mapped (not solved): {x}.", "Без карты (не решены): {x}."),
    "map_one_value": ("{name}: one value ({value}) on its {n} tiles",
                      "{name}: одно значение ({value}) на всех {n} клетках"),
    "map_not_drawn": ("Not on the map (no tile): {regions}", "Не на карте (нет клетки): {regions}"),
    "map_grey": ("Grey: {n} regions not in the model", "Серые: {n} регионов вне модели"),
    "no_maps": ("No map: none of the regions ({x}) is a region of Russia on the tile grid.",
                "Карты нет: ни один из регионов ({x}) не является регионом России на сетке "
                "карты."),
    "maps_left": ("Not mapped (at most {n} maps): {x}.",
                  "Без карты (не более {n} карт): {x}."),
    "f_per_rouble": ("Effects per rouble of public money, instruments by rank",
                     "Эффекты на рубль бюджетных средств, инструменты по месту в рейтинге"),
    "f_bands": ("(bands: sensitivity intervals at {level}, ticks: the means of the sensitivity "
                "samples).", "(полосы: интервалы чувствительности с уровнем {level}, "
                "штрихи: средние по точкам анализа чувствительности)."),
    "central": ("model, central parameters", "модель, центральные параметры"),
    "band": ("sensitivity interval", "интервал чувствительности"),
    "sample_mean": ("mean of the sensitivity samples", "среднее по точкам чувствительности"),
    "method_note": ("Step 3 is comparative static: each instrument at full effect in the "
                    "base year's economy; a project is its operation phase (capital and "
                    "productivity), its construction is temporary. Money in {units} a year.",
                    "Шаг 3 — сравнительная статика: каждый инструмент при полной реализации в "
                    "экономике базового года; проект — фаза эксплуатации (капитал и "
                    "производительность), строительство временно. Денежные показатели — "
                    "{units} в год."),
    "gates": ("Benchmark gates", "Проверки базового равновесия"),
}


def word(key: str, lang: str, **fmt: object) -> str:
    """The report's word ``key`` in ``lang`` ("en" or "ru"), formatted with ``fmt``."""
    en, ru = WORDS[key]
    text = ru if lang == "ru" else en
    return text.format(**fmt) if fmt else text
