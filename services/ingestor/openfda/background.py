"""The background the EBGM prior is fitted on: the database's most reported products' reactions.

DuMouchel's gamma-Poisson shrinker fits one prior on the counts of many (product, reaction)
cells. openFDA gives them by count queries: the most reported harmonised generic names in the
window, then each one's reactions (top 1,000). Each cell's expected count comes from the margins
the dataset already holds (the reaction's database total and N), so only the counts travel.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.ingestor.openfda import query as q
from services.ingestor.openfda.client import OpenFdaClient
from services.ingestor.openfda.recorder import QueryRecorder
from shared.events.cer import BackgroundProduct, EbgmBackground
from shared.events.openfda import QueryPurpose, TermCount

GENERIC_COUNT_FIELD = "patient.drug.openfda.generic_name.exact"


async def fetch_background(
    client: OpenFdaClient,
    recorder: QueryRecorder,
    window: str | None,
    database_event_counts: Sequence[TermCount],
    products: int,
) -> EbgmBackground | None:
    """Reaction counts of the ``products`` most reported products in ``window``; None when
    ``products`` is 0 or openFDA lists none."""
    if products <= 0:
        return None
    top_query = q.Query(
        QueryPurpose.BACKGROUND_PRODUCTS, search=window, count=GENERIC_COUNT_FIELD, limit=products
    )
    top, response = await client.count_with_response(top_query)
    recorder.add(top_query, response)
    index_of = {row.term: i for i, row in enumerate(database_event_counts)}
    background = []
    for product in top[:products]:
        search = q.all_of(q.any_of(GENERIC_COUNT_FIELD, [product.term]), window)
        events_query = q.Query(
            QueryPurpose.BACKGROUND_EVENT_COUNTS,
            search=search,
            count=q.REACTION_FIELD,
            limit=q.MAX_LIMIT,
        )
        events, events_response = await client.count_with_response(events_query)
        recorder.add(events_query, events_response)
        known = [(index_of[row.term], row.count) for row in events if row.term in index_of]
        background.append(
            BackgroundProduct(
                name=product.term,
                reports=product.count,
                event_indexes=tuple(i for i, _ in known),
                event_counts=tuple(n for _, n in known),
                complete=len(events) < q.MAX_LIMIT,
            )
        )
    return EbgmBackground(products=tuple(background), requested=products) if background else None
