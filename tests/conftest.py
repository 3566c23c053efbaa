import pytest
from loopback import guard

guard()  # tests reach loopback only


@pytest.fixture(scope="session")
def pipeline():
    from wirecoder.pipeline import Pipeline

    return Pipeline.default()


@pytest.fixture(scope="session")
def code_text(pipeline):
    """Code a short text published on a given day; returns the events."""
    from datetime import date

    from wirecoder.readers import read_text

    def run(text: str, published: str = "2016-12-02"):
        article = read_text(text, doc_id="t", published=date.fromisoformat(published))
        return pipeline.code(article)

    return run
