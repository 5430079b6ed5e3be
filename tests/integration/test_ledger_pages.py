"""Treasurer pages: accounts, statements with a chart, transfers, trial balance."""

import re

import pytest

import ledger
from market.treasury import views as treasury_views
from tests.integration.ledger_api_helpers import make_world
from tests.integration.members_factories import log_in


@pytest.fixture
def world(db):
    world = make_world(db)
    a, b = world.accounts["a"], world.accounts["b"]
    ledger.transfer(db.engine, [{"from": a, "to": b, "amount": "30.00"}],
                    description="Facture 7", reference="F-7")
    return world


def page(client, world, user, path, status=200) -> str:
    log_in(client, world.users[user])
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def account_ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr data-account-id="(\d+)"', html)}


def test_a_member_treasurer_sees_their_accounts_and_not_the_others(client, world):
    html = page(client, world, "treasurer_a", "/ledger/accounts")
    names = ("a", "a_line", "a_sol")
    assert account_ids(html) == {world.accounts[n] for n in names}
    assert "70,00" in html and "Coop A" in html and "Coop B" not in html


def test_the_accounts_list_goes_a_page_at_a_time(client, world, monkeypatch):
    monkeypatch.setattr(treasury_views, "ACCOUNTS_PAGE", 2)
    seen, path = [], "/ledger/accounts"
    while path:
        html = page(client, world, "network_treasurer", path)
        seen += sorted(account_ids(html))
        following = re.search(r'<a rel="next" href="([^"]+)"', html)
        path = following and following.group(1).replace("&amp;", "&")
    assert seen == sorted(world.accounts.values())


def test_a_network_treasurer_sees_every_account_and_filters_by_currency(client, world):
    html = page(client, world, "network_treasurer", "/ledger/accounts")
    assert account_ids(html) == set(world.accounts.values())
    html = page(client, world, "network_treasurer", "/ledger/accounts?currency=SOL")
    assert account_ids(html) == {world.accounts["a_sol"]}


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for path in ("/ledger/accounts", f"/ledger/accounts/{world.accounts['a']}",
                 "/ledger/trial-balance"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_statement_page_shows_the_running_balance_and_a_chart(client, world):
    html = page(client, world, "treasurer_a", f"/ledger/accounts/{world.accounts['a']}")
    balances = re.findall(r'class="num running-balance">([^<]+)<', html)
    assert balances == ["100,00", "70,00"]
    assert "Facture 7" in html and "F-7" in html
    assert re.search(r'<svg [^>]*role="img"', html) and "<polyline" in html
    assert "<script" not in html.split("<main")[1]


def test_the_statement_period_filter_keeps_the_opening_balance(client, world):
    html = page(client, world, "treasurer_a",
                f"/ledger/accounts/{world.accounts['a']}?from=2999-01-01&to=2999-12-31")
    assert re.findall(r'class="num running-balance">', html) == []
    assert "Aucun mouvement sur la période." in html and "<svg" not in html
    opening = re.search(r'class="opening">.*?class="num">([^<]+)<', html, re.S)
    assert opening.group(1) == "70,00"


def test_a_malformed_period_is_reported_not_a_server_error(client, world):
    html = page(client, world, "treasurer_a",
                f"/ledger/accounts/{world.accounts['a']}?from=yesterday")
    assert "Date invalide" in html


def test_another_members_account_page_is_not_found(client, world):
    page(client, world, "treasurer_a", f"/ledger/accounts/{world.accounts['b']}", status=404)
    page(client, world, "treasurer_a", "/ledger/accounts/999999", status=404)


def test_the_transfer_page_shows_postings_status_hash_and_chain(client, db, world):
    t = ledger.list_transfers(db.engine, account=world.accounts["b"])["items"][-1]
    ledger.seal(db.engine)
    html = page(client, world, "treasurer_b", f"/ledger/transfers/{t['id']}")
    assert t["hash"] in html and "posted" in html
    assert "a account" in html and "b account" in html
    assert f'href="/ledger/accounts/{world.accounts["b"]}"' in html
    assert f'href="/ledger/accounts/{world.accounts["a"]}"' not in html
    assert re.search(r"<td>created</td><td>[^<]+</td>\s*<td>\d+</td>", html)


def test_the_transfer_page_links_a_reversal_both_ways(client, db, world):
    t = ledger.list_transfers(db.engine, account=world.accounts["b"])["items"][-1]
    back = ledger.reverse(db.engine, t["id"])
    html = page(client, world, "network_treasurer", f"/ledger/transfers/{t['id']}")
    assert f'href="/ledger/transfers/{back["id"]}"' in html
    html = page(client, world, "network_treasurer", f"/ledger/transfers/{back['id']}")
    assert f'href="/ledger/transfers/{t["id"]}"' in html


def test_a_transfer_between_others_is_not_found(client, db, world):
    t = ledger.list_transfers(db.engine, account=world.accounts["b"])["items"][-1]
    page(client, world, "staff_a", f"/ledger/transfers/{t['id']}")
    ledger.transfer(db.engine, [{"from": world.accounts["b"], "to": world.accounts["b_capped"],
                                 "amount": "1.00"}])
    last = ledger.list_transfers(db.engine, account=world.accounts["b_capped"])["items"][-1]
    page(client, world, "staff_a", f"/ledger/transfers/{last['id']}", status=404)


def test_the_trial_balance_page_totals_zero_for_the_network_only(client, world):
    html = page(client, world, "network_treasurer", "/ledger/trial-balance")
    totals = re.findall(r'class="num total-balance">([^<]+)<', html)
    assert totals == ["0,00", "0,00"]
    page(client, world, "treasurer_a", "/ledger/trial-balance", status=403)


def test_header_links_show_the_ledger_to_treasurers_and_admins_only(client, world):
    assert 'href="/ledger/accounts"' in page(client, world, "treasurer_a", "/ledger/accounts")
    html = page(client, world, "network_treasurer", "/ledger/accounts")
    assert 'href="/ledger/trial-balance"' in html
    html = page(client, world, "staff_a", "/ledger/accounts")
    assert '<a href="/ledger/accounts">' not in html


def test_the_statement_page_shows_the_last_90_days_unless_asked(client, db, world):
    from datetime import timedelta

    from ledger.store.types import now_utc

    a = world.accounts["a"]
    ledger.transfer(db.engine, [{"from": world.accounts["system"], "to": a,
                                 "amount": "12.34"}], description="Vieux versement",
                    now=now_utc() - timedelta(days=120))
    html = page(client, world, "treasurer_a", f"/ledger/accounts/{a}")
    assert "Vieux versement" not in html
    start = (now_utc() - timedelta(days=90)).date().isoformat()
    assert f'name="from" value="{start}"' in html
    opening = re.search(r'class="opening">.*?class="num">([^<]+)<', html, re.S)
    assert opening.group(1) == "12,34"  # what came before the period is carried over
    assert "Vieux versement" in page(client, world, "treasurer_a",
                                     f"/ledger/accounts/{a}?from=2000-01-01")


def test_a_long_statement_goes_a_page_at_a_time(client, db, world, monkeypatch):
    monkeypatch.setattr(treasury_views, "STATEMENT_PAGE", 2)
    a = world.accounts["a"]
    for n in range(3):
        ledger.transfer(db.engine, [{"from": world.accounts["system"], "to": a,
                                     "amount": "1.00"}], description=f"Versement {n}")
    html = page(client, world, "treasurer_a", f"/ledger/accounts/{a}")
    pages = [html]
    while (following := re.search(r'<a href="([^"]+)" rel="next">', pages[-1])) and \
            len(pages) < 5:
        pages.append(client.get(following.group(1).replace("&amp;", "&")).get_data(
            as_text=True))
    balances = [re.findall(r'class="num running-balance">([^<]+)<', p) for p in pages]
    assert balances == [["100,00", "70,00"], ["71,00", "72,00"], ["73,00"]]
    assert 'rel="next"' not in pages[-1] and "Solde reporté" in pages[-1]
    bad = client.get(f"/ledger/accounts/{a}?after=not-a-cursor")
    assert bad.status_code == 200 and "Page de relevé invalide" in bad.get_data(as_text=True)
