#!/usr/bin/env python3
"""Derive a CRM activity stream from the Olist marketing-funnel data set.

    python3 data/derive_activities.py            # writes data/derived/activities.csv

Python 3 standard library only.  Deterministic: the same input files give the
same output bytes on any machine and Python version (the sha256 is printed and
recorded in data/README.md).

WHAT IS OBSERVED AND WHAT IS NOT.  The Olist files (data/olist/, real,
CC BY-NC-SA 4.0) hold one first-contact row per lead (date, landing page,
origin) and, for 842 leads, a won-deal timestamp.  Everything else written
here is SYNTHETIC:

* every lead gets one `form_fill` row on its landing page (`/lp/<landing_page_id>`)
  on its observed first_contact_date, with its observed origin as channel
  (source = 'olist') -- an Olist MQL *is* a sign-up form on a landing page.
  The time of day and the duration are synthetic.
* every further row (page views, emails, downloads, webinars, demo requests,
  unsubscribes) is invented (source = 'synthetic').

THE PLANTED SIGNAL.  The generator looks at the label on purpose, so that the
demo has something to find; the effect sizes are:

* a lead is "engaged" with probability 0.85 if it was won, 0.08 if not;
* engaged leads get a nurture sequence between first contact and the end of
  their window: 2-4 emails sent (each opened with p 0.65, an open followed by
  0-3 re-opens, mean 0.7, and a click with p 0.35), 0-3 blog views, 1-3
  pricing-page views (80 % of them >= 30 s), a guide download (p 0.4), a
  webinar (p 0.25), a demo request (p 0.65, in the last 40 % of the window),
  rarely a careers-page visit (p 0.02) or an unsubscribe (about 1 %);
* the others are "light": one email sent with p 0.6 (opened with p 0.35; an
  open leads to an unsubscribe with p 0.3, else a click with p 0.1), a blog
  view (p 0.35), a pricing view (p 0.15, 35 % of them >= 30 s), a careers-page
  visit (p 0.07), a guide download (p 0.04).

WINDOWS.  A won lead's rows lie strictly between its first contact and its
won_date (never after the outcome; the one deal dated before its first
contact gets no further rows, and same-day wins move the first contact before
the win).  An engaged lead that was not won gets a window as long as the
time to win of a won lead drawn at random (median 14 days, so engaged leads
look alike whether or not they were won), cut at the data set's last
observed event (2018-11-14); a light one that was not won gets 60 days after
first contact.  The Olist files carry local Brazilian times without a zone;
the output keeps them zone-less and scripts/demo.sql reads them as UTC.

RANDOMNESS.  One random.Random per lead, seeded with "leadscore-demo-v1:<mql_id>",
and only Random.random() is used, whose output is fixed for a seed across
Python 3 versions; so a lead's rows do not depend on the other leads.

LEAD IDS.  lead_id = 1 + the position of mql_id in the byte-wise sorted list of
all mql_ids (1..8000).  scripts/demo.sql numbers crm.contacts the same way
(row_number() OVER (ORDER BY mql_id COLLATE "C")).

The output is sorted by time, as a CRM would have written it, and carries the
parent set's licence: CC BY-NC-SA 4.0, demos and tests only.
"""

import csv
import datetime as dt
import hashlib
import os
import random
import sys

SEED = "leadscore-demo-v1"
SOURCE_OBSERVED = "olist"
SOURCE_SYNTHETIC = "synthetic"

HERE = os.path.dirname(os.path.abspath(__file__))
MQL_FILE = os.path.join(HERE, "olist", "olist_marketing_qualified_leads_dataset.csv")
DEALS_FILE = os.path.join(HERE, "olist", "olist_closed_deals_dataset.csv")
OUT_FILE = os.path.join(HERE, "derived", "activities.csv")

P_ENGAGED_WON = 0.85
P_ENGAGED_NOT_WON = 0.08

BLOG = ["/blog/sell-online", "/blog/marketplace-fees", "/blog/shipping", "/blog/photos",
        "/blog/pricing-tips", "/blog/seller-stories"]
PRICING = ["/pricing", "/pricing/plans", "/pricing/fees"]
CAREERS = ["/careers", "/careers/jobs"]
GUIDES = ["/guides/seller-handbook.pdf", "/guides/catalogue-checklist.pdf"]
WEBINARS = ["/webinars/first-sale", "/webinars/scale-up"]

DAY = dt.timedelta(days=1)


class Lead:
    """One lead's random stream and its rows."""

    def __init__(self, lead_id, mql_id):
        self.id = lead_id
        self.rng = random.Random(SEED + ":" + mql_id)
        self.rows = []

    def r(self):
        return self.rng.random()

    def chance(self, p):
        return self.r() < p

    def int_between(self, lo, hi):
        """Uniform integer in [lo, hi]."""
        return lo + int(self.r() * (hi - lo + 1))

    def pick(self, items):
        return items[int(self.r() * len(items))]

    def add(self, kind, at, url=None, duration=None, channel=None, source=SOURCE_SYNTHETIC):
        self.rows.append((at.replace(microsecond=0), self.id, kind, url, duration, channel, source))


def between(lead, start, end, lo, hi):
    """A time at fraction lo..hi of the window [start, end]."""
    return start + (end - start) * (lo + (hi - lo) * lead.r())


def emails(lead, start, end, n, p_open, p_click, p_unsub, reopens=False):
    """n emails sent over the window, some opened (and re-opened), clicked, unsubscribed from."""
    for i in range(n):
        sent = between(lead, start, end, i / n, (i + 0.9) / n)
        lead.add("email_sent", sent, channel="email")
        if not lead.chance(p_open):
            continue
        opened = sent + dt.timedelta(hours=0.2 + 30 * lead.r() ** 3)
        if opened >= end:
            continue
        lead.add("email_open", opened, channel="email")
        if reopens:
            # 0-3 more opens of the same email (63 % none, mean 0.7).
            for _ in range(int(4 * lead.r() ** 3)):
                lead.add("email_open", opened + dt.timedelta(hours=1 + 72 * lead.r()), channel="email")
        if lead.chance(p_unsub):
            lead.add("unsubscribe", opened + dt.timedelta(seconds=lead.int_between(20, 300)),
                     url="/email/unsubscribe", channel="email")
            return  # no more emails after an unsubscribe
        if lead.chance(p_click):
            url = lead.pick(PRICING) if lead.chance(0.4) else lead.pick(BLOG)
            lead.add("email_click", opened + dt.timedelta(seconds=lead.int_between(10, 900)),
                     url=url, channel="email")


def pricing_view(lead, at, p_long):
    duration = lead.int_between(30, 300) if lead.chance(p_long) else lead.int_between(4, 29)
    lead.add("page_view", at, url=lead.pick(PRICING), duration=duration, channel="web")


def engaged(lead, start, end):
    emails(lead, start, end, lead.int_between(2, 4), 0.65, 0.35, 0.02 / 0.65 / 3, reopens=True)
    for _ in range(lead.int_between(0, 3)):
        lead.add("page_view", between(lead, start, end, 0.0, 0.6), url=lead.pick(BLOG),
                 duration=lead.int_between(20, 400), channel="web")
    for _ in range(lead.int_between(1, 3)):
        pricing_view(lead, between(lead, start, end, 0.2, 0.95), 0.8)
    if lead.chance(0.4):
        lead.add("content_download", between(lead, start, end, 0.1, 0.7), url=lead.pick(GUIDES), channel="web")
    if lead.chance(0.25):
        lead.add("webinar", between(lead, start, end, 0.2, 0.8), url=lead.pick(WEBINARS),
                 duration=lead.int_between(900, 3600), channel="webinar")
    if lead.chance(0.65):
        lead.add("demo_request", between(lead, start, end, 0.6, 0.98), url="/demo", channel="web")
    if lead.chance(0.02):
        lead.add("page_view", between(lead, start, end, 0.0, 1.0), url=lead.pick(CAREERS),
                 duration=lead.int_between(10, 200), channel="web")


def light(lead, start, end):
    emails(lead, start, end, 1 if lead.chance(0.6) else 0, 0.35, 0.1, 0.3)
    if lead.chance(0.35):
        lead.add("page_view", between(lead, start, end, 0.0, 1.0), url=lead.pick(BLOG),
                 duration=lead.int_between(5, 300), channel="web")
    if lead.chance(0.15):
        pricing_view(lead, between(lead, start, end, 0.0, 1.0), 0.35)
    if lead.chance(0.07):
        lead.add("page_view", between(lead, start, end, 0.0, 1.0), url=lead.pick(CAREERS),
                 duration=lead.int_between(10, 200), channel="web")
    if lead.chance(0.04):
        lead.add("content_download", between(lead, start, end, 0.0, 1.0), url=lead.pick(GUIDES), channel="web")


def derive(mqls, won_at):
    # Observed time to win (won_date - first_contact_date), for the windows of
    # engaged leads that were not won.
    first_day = {m["mql_id"]: dt.datetime.fromisoformat(m["first_contact_date"]) for m in mqls}
    to_win = sorted(w - first_day[k] for k, w in won_at.items() if w > first_day[k])
    last_seen = max(won_at.values())  # the data set's last observed event, 2018-11-14
    rows = []
    for lead_id, m in enumerate(sorted(mqls, key=lambda m: m["mql_id"].encode()), start=1):
        lead = Lead(lead_id, m["mql_id"])
        day = dt.datetime.combine(dt.date.fromisoformat(m["first_contact_date"]), dt.time())
        first = day + dt.timedelta(seconds=lead.int_between(8 * 3600, 20 * 3600))
        won = won_at.get(m["mql_id"])
        if won is not None and day < won <= first + dt.timedelta(minutes=30):
            # Won on the day of first contact: the form was filled in before.
            first = day + (won - day) * (0.1 + 0.5 * lead.r())
        lead.add("form_fill", first, url="/lp/" + m["landing_page_id"], duration=lead.int_between(30, 240),
                 channel=m["origin"] or None, source=SOURCE_OBSERVED)
        is_engaged = lead.chance(P_ENGAGED_WON if won is not None else P_ENGAGED_NOT_WON)
        if won is not None:
            end = won if won > first else None
        elif is_engaged:
            end = max(day + to_win[int(lead.r() * len(to_win))], first + dt.timedelta(hours=1))
            end = min(end, last_seen)
        else:
            end = first + 60 * DAY
        if end is not None:
            (engaged if is_engaged else light)(lead, first, end)
        # Never at or after the window's end (won_date): drop what spilled over.
        rows.extend(r for r in lead.rows if end is None or r[0] < end or r[2] == "form_fill")
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows


def main():
    with open(MQL_FILE, newline="", encoding="utf-8") as f:
        mqls = list(csv.DictReader(f))
    with open(DEALS_FILE, newline="", encoding="utf-8") as f:
        won_at = {d["mql_id"]: dt.datetime.fromisoformat(d["won_date"]) for d in csv.DictReader(f)}
    rows = derive(mqls, won_at)
    os.makedirs(os.path.dirname(OUT_FILE), exist_ok=True)
    with open(OUT_FILE, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["lead_id", "kind", "occurred_at", "url", "duration_s", "channel", "source"])
        for at, lead_id, kind, url, duration, channel, source in rows:
            w.writerow([lead_id, kind, at.strftime("%Y-%m-%d %H:%M:%S"), url or "",
                        "" if duration is None else duration, channel or "", source])
    with open(OUT_FILE, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    kinds = {}
    for r in rows:
        kinds[r[2]] = kinds.get(r[2], 0) + 1
    print(f"{OUT_FILE}: {len(rows)} rows, {os.path.getsize(OUT_FILE)} bytes, sha256 {digest}")
    for k in sorted(kinds):
        print(f"  {k:17} {kinds[k]:6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
