"""Turning day plans into contract records: native FNS receipt JSON and traffic intervals.

Fiscal document numbers run from 1 per fiscal drive in the order receipts are emitted, which
is time order for each register (a register belongs to one store and a store's day is
emitted in time order, days in order)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from cxm.demo.simulator.people import CHAIN_NAME, SELF_CHECKOUT
from cxm.demo.simulator.sales import DayPlan, DayTraffic


@dataclass(frozen=True)
class Register:
    kkt_reg_id: str
    fiscal_drive: str


@dataclass(frozen=True)
class SellerPrint:
    """What a register prints for a seller: alias by register index, and the INN."""

    aliases: tuple[str, ...]
    inn: str


def traffic_records(code: str, tz: ZoneInfo, traffic: DayTraffic) -> Iterator[dict]:
    """One record per opening hour; the offset is the zone's on that hour (DST-safe)."""
    day: date = traffic.day
    for i, (vin, vout) in enumerate(
        zip(traffic.visitors_in.tolist(), traffic.visitors_out.tolist(), strict=True)
    ):
        start = datetime(day.year, day.month, day.day, traffic.open_hour + i, tzinfo=tz)
        yield {
            "store": code,
            "start": start.isoformat(),
            "minutes": 60,
            "visitors_in": vin,
            "visitors_out": vout,
        }


class ReceiptFormatter:
    """Keeps the per-drive counters (document, shift and in-shift numbers) across days."""

    def __init__(
        self,
        stores: list[dict],
        registers: list[list[Register]],
        sellers: list[SellerPrint],
        product_names: list[str],
        service: list[bool],
        user_inn: str,
    ):
        self.stores = stores
        self.registers = registers
        self.sellers = sellers
        self.names = product_names
        self.product_type = [4 if s else 1 for s in service]  # 1 goods, 4 service
        self.user_inn = user_inn
        self.document = {r.fiscal_drive: 0 for regs in registers for r in regs}
        self.shift = dict.fromkeys(self.document, 0)

    def receipts(self, plan: DayPlan) -> Iterator[dict]:
        store = self.stores[plan.store]
        registers = self.registers[plan.store]
        request = [0] * len(registers)
        for r in set(plan.register.tolist()):  # one shift per register per working day
            self.shift[registers[r].fiscal_drive] += 1
        prefix = plan.day.isoformat() + "T"
        names, ptype = self.names, self.product_type
        offsets = plan.line_offsets.tolist()
        products = plan.line_product.tolist()
        prices = plan.line_price.tolist()
        qtys = plan.line_qty.tolist()
        sums = plan.line_sum.tolist()
        rows = zip(
            plan.time_s.tolist(),
            plan.operation.tolist(),
            plan.seller.tolist(),
            plan.register.tolist(),
            plan.cash.tolist(),
            plan.total.tolist(),
            plan.fiscal_sign.tolist(),
            strict=True,
        )
        for i, (t, op, seller, reg, cash, total, sign) in enumerate(rows):
            a, b = offsets[i], offsets[i + 1]
            items = [
                {
                    "name": names[p],
                    "price": pr,
                    "quantity": q // 1000 if q % 1000 == 0 else q / 1000,
                    "sum": s,
                    "nds": 1,  # VAT 20%
                    "paymentType": 4,  # full payment
                    "productType": ptype[p],
                }
                for p, pr, q, s in zip(
                    products[a:b], prices[a:b], qtys[a:b], sums[a:b], strict=True
                )
            ]
            register = registers[reg]
            drive = register.fiscal_drive
            self.document[drive] += 1
            request[reg] += 1
            if seller >= 0:
                person = self.sellers[seller]
                operator, inn = person.aliases[reg % len(person.aliases)], person.inn
            else:
                operator, inn = SELF_CHECKOUT, ""
            yield {
                "code": 3,
                "fiscalDocumentFormatVer": 4,
                "user": CHAIN_NAME,
                "userInn": self.user_inn,
                "retailPlace": store["name"],
                "retailPlaceAddress": store["address"],
                "kktRegId": register.kkt_reg_id,
                "fiscalDriveNumber": drive,
                "fiscalDocumentNumber": self.document[drive],
                "fiscalSign": str(sign),
                "shiftNumber": self.shift[drive],
                "requestNumber": request[reg],
                "dateTime": f"{prefix}{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}",
                "operationType": op,
                "taxationType": 1,
                "operator": operator,
                "operatorInn": inn,
                "items": items,
                "totalSum": total,
                "cashTotalSum": cash,
                "ecashTotalSum": total - cash,
            }
