"""What the seller's button page shows."""

from datetime import datetime

from cxm.org.models import Seller
from cxm.staff.models import Consultation


def consultations_today(seller: Seller) -> int:
    """The seller's consultations on their store's current local day."""
    today = datetime.now(seller.store.tz).date()
    return Consultation.objects.filter(seller=seller, day=today).count()
