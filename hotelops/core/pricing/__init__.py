"""Pricing: contracts (price tables), promotions (discounts), and the engine that prices a stay.

``price_stay`` is the one way a stay is priced; the inbox, the CLI, the dashboard and the
benchmarks call it.
"""

from hotelops.core.pricing.contracts import (
    ContractSpec,
    ContractSummary,
    check_against_hotel,
    contract_to_toml,
    import_contract,
    list_contracts,
    load_contract,
    read_contract_file,
)
from hotelops.core.pricing.engine import (
    AppliedPromotion,
    NightPrice,
    PriceOptions,
    PriceResult,
    PromotionTrace,
    StayRequest,
    price_stay,
)
from hotelops.core.pricing.promotions import (
    PromotionSpec,
    PromotionSummary,
    import_promotions,
    list_promotions,
    load_promotion,
    load_promotions,
    read_promotion_file,
)

__all__ = [
    "AppliedPromotion",
    "ContractSpec",
    "ContractSummary",
    "NightPrice",
    "PriceOptions",
    "PriceResult",
    "PromotionSpec",
    "PromotionSummary",
    "PromotionTrace",
    "StayRequest",
    "check_against_hotel",
    "contract_to_toml",
    "import_contract",
    "import_promotions",
    "list_contracts",
    "list_promotions",
    "load_contract",
    "load_promotion",
    "load_promotions",
    "price_stay",
    "read_contract_file",
    "read_promotion_file",
]
