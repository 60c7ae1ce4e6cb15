# learn() against scikit-learn on a synthetic CRM, every figure rebuilt
# outside the extension:
#
#   * the population, labels and features by plain SQL from the definitions
#     (README "Populations", "Probability of converting"): each train lead
#     judged at its own as_of (or the call's, for rows without one), left out
#     when its first outcome is at or before it, converted when that outcome
#     lies in (as_of, as_of + horizon]; per rule the decayed, capped count at
#     as_of (window functions for the cap, power(2, -age / half-life) for the
#     decay) for every candidate half-life; per grade criterion 0/1 from the
#     lead row as it is now;
#   * the fit by scikit-learn's LogisticRegression (C = 1 / lambda,
#     newton-cholesky, tol 1e-12) on the columns standardised with numpy
#     (ddof = 0), the standard errors from numpy's inverse of the penalised
#     Hessian, and the 5-fold cross-validation over every (half-life,
#     penalty) with the folds learn() uses (FNV-1a of the int8 key's 8
#     little-endian bytes, mod 5);
#   * learned points, intercept and standard errors to 1e-4 (relative above
#     1), learned steps exactly, the chosen half-life and penalty and the
#     cross-validated log loss of the note, and, for a model without a grade
#     profile (nothing rounded), every train lead's probability from
#     learn()'s outputs against scikit-learn's predict_proba to 1e-4.
#     (The note prints the loss to 4 decimals; on this data other folds,
#     e.g. the key's bytes big-endian or lead_id % 5, miss it there.)
#
# The data is synthetic and deterministic (md5 of the lead and a salt): a
# latent intent drives visits, pricing visits, webinars, email opens and
# clicks (a correlated pair each), unsubscribes and conversion, and pricing
# visits and webinars come in the weeks before a conversion; lead rows
# with a company size and an industry, a few leads without one or with a
# NULL size; outcomes before, at, inside and after the window; activity
# exactly at as_of.  The numbers show that the computations agree, not that
# the synthetic law is recovered.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $started = time();
my $python = -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3';

my $node = PostgreSQL::Test::Cluster->new('learn_sklearn');
$node->init;
$node->append_conf('postgresql.conf', "timezone = 'UTC'\nfsync = off");
$node->start;

sub sql { return $node->safe_psql('postgres', shift) }

# ---------------------------------------------------------------------------
# The CRM: 3,000 leads, their activities, lead rows and won deals.
# ---------------------------------------------------------------------------

my $default_as_of = '2025-04-15 00:00:00+00';
my $horizon = '60 days';

sql(<<"SQL");
CREATE EXTENSION leadscore;
CREATE SCHEMA syn;
-- A uniform draw in [0, 1) per lead and salt: 52 bits of an md5.
CREATE FUNCTION syn.u(i integer, salt text) RETURNS float8 LANGUAGE sql IMMUTABLE AS \$\$
	SELECT ('x' || substr(md5(i::text || ':' || salt), 1, 13))::bit(52)::bigint / 4503599627370496.0::float8
\$\$;
CREATE TABLE syn.leads AS
SELECT i, 100003 + i::bigint * 7919 AS lead_id, syn.u(i, 'intent') AS z,
       '2025-01-01'::timestamptz + syn.u(i, 'start') * interval '120 days' AS first_touch
FROM generate_series(1, 3000) i;
-- Each lead's as_of, 10 to 70 days after its first touch; every 33rd has
-- none in the population and is judged at the call's as_of.
ALTER TABLE syn.leads ADD own_as_of timestamptz, ADD as_of timestamptz;
UPDATE syn.leads SET own_as_of = CASE WHEN i % 33 <> 0 THEN first_touch + (10 + 60 * syn.u(i, 'as_of')) * interval '1 day' END;
UPDATE syn.leads SET as_of = coalesce(own_as_of, '$default_as_of');

CREATE TABLE syn.activities (lead_id bigint NOT NULL, kind text NOT NULL, at timestamptz NOT NULL, url text);
CREATE TABLE syn.contacts (lead_id bigint PRIMARY KEY, employees integer, industry text);
CREATE TABLE syn.deals (lead_id bigint NOT NULL, won_at timestamptz NOT NULL);

-- Activity over 150 days from the first touch, much of it after as_of.
CREATE VIEW syn.generated AS
SELECT l.lead_id, 'visit' AS kind, l.first_touch + syn.u(l.i, 'v' || k) * interval '150 days' AS at,
       CASE WHEN syn.u(l.i, 'p' || k) < 0.15 + 0.45 * l.z THEN '/pricing' ELSE '/blog/' || k END AS url
FROM syn.leads l, generate_series(1, floor(9 * syn.u(l.i, 'visits') * (0.4 + l.z))::integer) k
UNION ALL
SELECT l.lead_id, 'webinar', l.first_touch + syn.u(l.i, 'w' || k) * interval '150 days', NULL
FROM syn.leads l, generate_series(1, floor(3.5 * l.z * syn.u(l.i, 'webinars'))::integer) k
UNION ALL
SELECT l.lead_id, 'email_open', l.first_touch + syn.u(l.i, 'o' || k) * interval '150 days', NULL
FROM syn.leads l, generate_series(1, floor(8 * syn.u(l.i, 'opens'))::integer) k
UNION ALL
-- A click an hour after some opens: the correlated pair.
SELECT l.lead_id, 'email_click', l.first_touch + syn.u(l.i, 'o' || k) * interval '150 days' + interval '1 hour', NULL
FROM syn.leads l, generate_series(1, floor(8 * syn.u(l.i, 'opens'))::integer) k
WHERE syn.u(l.i, 'c' || k) < 0.15 + 0.6 * l.z
UNION ALL
SELECT l.lead_id, 'unsubscribe', l.first_touch + syn.u(l.i, 'unsub_at') * interval '150 days', NULL
FROM syn.leads l WHERE syn.u(l.i, 'unsub') < 0.25 * (1 - l.z)
UNION ALL
-- Buying signals in the weeks before the first win (pricing visits, a
-- webinar): recent activity predicts an imminent conversion, so decay can
-- pay.
SELECT w.lead_id, 'visit', w.won_at - syn.u(l.i, 's' || k) * interval '21 days', '/pricing'
FROM (SELECT lead_id, min(won_at) AS won_at FROM syn.deals GROUP BY lead_id) w JOIN syn.leads l USING (lead_id),
	generate_series(1, 1 + floor(3 * syn.u(l.i, 'signals'))::integer) k
UNION ALL
SELECT w.lead_id, 'webinar', w.won_at - syn.u(l.i, 'signal_webinar') * interval '14 days', NULL
FROM (SELECT lead_id, min(won_at) AS won_at FROM syn.deals GROUP BY lead_id) w JOIN syn.leads l USING (lead_id)
WHERE syn.u(l.i, 'webinar_signal') < 0.5
UNION ALL
-- A webinar exactly at as_of: it counts.
SELECT l.lead_id, 'webinar', l.as_of, NULL FROM syn.leads l WHERE l.i % 47 = 0;

INSERT INTO syn.contacts
SELECT lead_id, CASE WHEN i % 17 <> 0 THEN floor(exp(1 + 6.5 * syn.u(i, 'employees'))) END,
       CASE WHEN syn.u(i, 'industry') < 0.2 + 0.4 * z THEN 'software'
            WHEN syn.u(i, 'industry') < 0.7 THEN 'retail' ELSE 'finance' END
FROM syn.leads WHERE i % 20 <> 0;

-- Who converts: logistic in the intent, a large company and software; when:
-- 5 to 175 days after the first touch, except some exactly at as_of (left
-- out) and some exactly at as_of + horizon (converted); some win twice.
CREATE TABLE syn.truth AS
SELECT l.*, 1 / (1 + exp(-(-3.2 + 3 * l.z + 0.8 * coalesce((c.employees >= 200)::int, 0)
                           + 0.6 * coalesce((c.industry = 'software')::int, 0)))) AS p
FROM syn.leads l LEFT JOIN syn.contacts c USING (lead_id);
INSERT INTO syn.deals
SELECT lead_id, CASE WHEN i % 97 = 0 THEN as_of WHEN i % 89 = 0 THEN as_of + '$horizon'::interval
                     ELSE first_touch + (5 + 170 * syn.u(i, 'when')) * interval '1 day' END
FROM syn.truth WHERE syn.u(i, 'converts') < p;
INSERT INTO syn.deals SELECT lead_id, won_at + interval '30 days' FROM syn.deals WHERE lead_id % 3 = 0;

-- The train population: three leads in four.
CREATE TABLE syn.train AS SELECT lead_id, own_as_of AS as_of FROM syn.leads WHERE i % 4 <> 0;

SELECT leadscore.create_grade_profile('icp', 'C');
SELECT leadscore.add_criterion('icp', 'employees >= 200', 2, 'large');
SELECT leadscore.add_criterion('icp', \$\$industry = 'software'\$\$, 1, 'software');
-- 'crm' (half-life 14 days, a grade profile) and 'plain' (no decay, no
-- profile): the same rules.
SELECT leadscore.create_model('crm', half_life => '14 days', mql_threshold => 40, sql_threshold => 80,
	grade_profile => 'icp');
SELECT leadscore.create_model('plain', half_life => NULL, mql_threshold => 40, sql_threshold => 80);
SELECT leadscore.add_rule(m, 'visit', 5, 'awareness', max_count => 3, name => 'visit'),
       leadscore.add_rule(m, 'visit', 15, 'consideration', condition => \$\$url LIKE '/pricing%'\$\$, name => 'pricing_visit'),
       leadscore.add_rule(m, 'webinar', 20, 'consideration', name => 'webinar'),
       leadscore.add_rule(m, 'email_open', 2, 'awareness', name => 'email_open'),
       leadscore.add_rule(m, 'email_click', 8, 'consideration', name => 'email_click'),
       leadscore.add_rule(m, 'unsubscribe', -30, name => 'unsubscribe')
FROM unnest(ARRAY['crm', 'plain']) m;
SELECT leadscore.attach_activities('syn.activities', 'lead_id', 'kind', 'at');
SELECT leadscore.attach_leads('syn.contacts', 'lead_id');
SELECT leadscore.attach_outcomes('syn.deals', 'lead_id', 'won_at');
INSERT INTO syn.activities SELECT * FROM syn.generated;
SQL

my ($activities, $deals) = split /\|/, sql("SELECT (SELECT count(*) FROM syn.activities), (SELECT count(*) FROM syn.deals)");
note("synthetic CRM: 3000 leads, $activities activities, $deals won deals");
ok($activities > 20000, 'the activities are there');

# ---------------------------------------------------------------------------
# learn(), twice: 'crm' at its default scale (mql_threshold / 2 = 20) and
# 'plain' at 12.5 points per doubling.
# ---------------------------------------------------------------------------

my $t0 = time();
sql(<<"SQL");
CREATE SCHEMA chk;
CREATE TABLE chk.learned_crm AS
SELECT row_number() OVER () AS n, * FROM leadscore.learn('crm', '$horizon', 'syn.train', as_of => '$default_as_of');
CREATE TABLE chk.learned_plain AS
SELECT row_number() OVER () AS n, * FROM leadscore.learn('plain', '$horizon', 'syn.train', as_of => '$default_as_of',
	points_per_doubling => 12.5);
SQL
my $learn_seconds = time() - $t0;
note(sprintf('the two learn() calls took %.1f s', $learn_seconds));

my %ppd = (crm => 20, plain => 12.5);
my %note;
for my $m ('crm', 'plain')
{
	$note{$m} = sql("SELECT note FROM chk.learned_$m WHERE kind = 'model'");
	note("$m: $note{$m}");
}

# ---------------------------------------------------------------------------
# Population, labels and features in plain SQL.
# ---------------------------------------------------------------------------

sql(<<"SQL");
-- The rules as SQL predicates, in the model's order, with their caps.
CREATE FUNCTION chk.rules(kind text, url text) RETURNS TABLE (rule_no integer, rule text, cap integer)
LANGUAGE sql IMMUTABLE AS \$\$
	SELECT r.rule_no, r.rule, r.cap FROM (VALUES
		(1, 'visit', 3, kind = 'visit'),
		(2, 'pricing_visit', NULL, kind = 'visit' AND url LIKE '/pricing%'),
		(3, 'webinar', NULL, kind = 'webinar'),
		(4, 'email_open', NULL, kind = 'email_open'),
		(5, 'email_click', NULL, kind = 'email_click'),
		(6, 'unsubscribe', NULL, kind = 'unsubscribe')
	) r(rule_no, rule, cap, matches) WHERE r.matches
\$\$;
CREATE TABLE chk.rule_names AS SELECT * FROM (VALUES (1, 'visit'), (2, 'pricing_visit'), (3, 'webinar'),
	(4, 'email_open'), (5, 'email_click'), (6, 'unsubscribe')) r(rule_no, rule);
-- Every candidate half-life either model tries, named as learn()'s note
-- names them (NULL seconds: no decay).
CREATE TABLE chk.half_lives AS SELECT * FROM (VALUES ('none', NULL::float8), ('7 days', 7 * 86400),
	('14 days', 14 * 86400), ('30 days', 30 * 86400), ('90 days', 90 * 86400)) h(name, seconds);

-- The judged leads: as_of from the row or the call; first outcome at or
-- before it: left out; converted: first outcome in (as_of, as_of + horizon].
CREATE TABLE chk.judged AS
WITH first_win AS (SELECT lead_id, min(won_at) AS won_at FROM syn.deals GROUP BY lead_id)
SELECT t.lead_id, coalesce(t.as_of, '$default_as_of') AS as_of,
       coalesce(w.won_at <= coalesce(t.as_of, '$default_as_of') + '$horizon'::interval, false) AS converted
FROM syn.train t LEFT JOIN first_win w USING (lead_id)
WHERE w.won_at IS NULL OR w.won_at > coalesce(t.as_of, '$default_as_of');

-- Per judged lead, half-life and rule: the matching rows at or before
-- as_of (capped rules: the max_count most recent), each 2^-(age/half-life).
CREATE TABLE chk.hits AS
SELECT j.lead_id, r.rule_no, r.cap, (extract(epoch FROM j.as_of) - extract(epoch FROM a.at))::float8 AS age,
       row_number() OVER (PARTITION BY j.lead_id, r.rule_no ORDER BY a.at DESC) AS recency
FROM chk.judged j JOIN syn.activities a ON a.lead_id = j.lead_id AND a.at <= j.as_of
CROSS JOIN LATERAL chk.rules(a.kind, a.url) r;
CREATE TABLE chk.features AS
SELECT j.lead_id, h.name AS half_life, r.rule_no,
       coalesce(sum(CASE WHEN h.seconds IS NULL THEN 1 ELSE power(2::float8, -x.age / h.seconds) END)
                FILTER (WHERE x.lead_id IS NOT NULL), 0) AS value
FROM chk.judged j CROSS JOIN chk.half_lives h CROSS JOIN chk.rule_names r
LEFT JOIN chk.hits x ON x.lead_id = j.lead_id AND x.rule_no = r.rule_no AND (x.cap IS NULL OR x.recency <= x.cap)
GROUP BY j.lead_id, h.name, r.rule_no;
CREATE INDEX ON chk.features (lead_id, half_life, rule_no);

-- The criteria of the lead row as it is now (NULL: not met; no row: none).
CREATE TABLE chk.criteria AS
SELECT j.lead_id, coalesce(c.employees >= 200, false)::int AS large, coalesce(c.industry = 'software', false)::int AS software
FROM chk.judged j LEFT JOIN syn.contacts c USING (lead_id);
SQL

my ($judged, $converted) = split /\|/, sql("SELECT count(*), count(*) FILTER (WHERE converted) FROM chk.judged");
for my $m ('crm', 'plain')
{
	like($note{$m}, qr/; $judged leads, $converted converted, 0 skipped; $ppd{$m} points double the odds$/,
		"$m: learn() judged the $judged leads ($converted converted) plain SQL finds");
}
my $edges = sql(<<'SQL');
SELECT (SELECT count(*) FROM syn.train t JOIN syn.leads l USING (lead_id) WHERE l.i % 97 = 0
        AND EXISTS (SELECT FROM syn.deals d WHERE d.lead_id = t.lead_id AND d.won_at = l.as_of))
       || ' ' || (SELECT count(*) FROM chk.judged j JOIN syn.leads l USING (lead_id) WHERE l.i % 89 = 0 AND j.converted
        AND EXISTS (SELECT FROM syn.deals d WHERE d.lead_id = j.lead_id AND d.won_at = l.as_of + interval '60 days'))
       || ' ' || (SELECT count(*) FROM chk.judged j WHERE NOT EXISTS (SELECT FROM syn.activities a WHERE a.lead_id = j.lead_id AND a.at <= j.as_of))
       || ' ' || (SELECT count(*) FROM syn.train WHERE as_of IS NULL)
SQL
note("edge cases (converted at as_of, converted at as_of + horizon, no activity by as_of, no own as_of): $edges");
ok(!grep({ $_ == 0 } split / /, $edges), 'the population has every edge case');

# The CSV for scikit-learn: per judged lead and half-life, the label and the
# rule features in rule order, then the criteria.
my $csv = sql(<<'SQL');
COPY (
	SELECT f.lead_id, f.half_life, j.converted::int,
	       string_agg(f.value::text, ',' ORDER BY f.rule_no), c.large, c.software
	FROM chk.features f JOIN chk.judged j USING (lead_id) JOIN chk.criteria c USING (lead_id)
	GROUP BY f.lead_id, f.half_life, j.converted, c.large, c.software
) TO STDOUT (FORMAT csv)
SQL
my $features_file = "$PostgreSQL::Test::Utils::tmp_check/learn_features.csv";
open(my $out, '>', $features_file) or die "cannot write $features_file: $!";
print $out "$csv\n";
close($out);

# ---------------------------------------------------------------------------
# scikit-learn.
# ---------------------------------------------------------------------------

my $script = "$PostgreSQL::Test::Utils::tmp_check/learn_sklearn.py";
open(my $py, '>', $script) or die "cannot write $script: $!";
print $py <<'PY';
# learn_sklearn.py FEATURES CANDIDATES CHOSEN LAMBDA CRITERIA
#   FEATURES: "lead,half_life,label,\"f1,...,fR\",large,software" lines
#   CANDIDATES: the half-lives learn() tried, in its order, ";"-separated
#   CHOSEN, LAMBDA: the half-life and penalty learn() chose
#   CRITERIA: 1 to use the criterion columns, 0 not
# Prints "cv|half_life|lambda|loss" per trial, "best|half_life|lambda|loss",
# "w|j|weight", "se|j|error" (the features' own units, rules then
# criteria), "b|intercept" and "p|lead|probability".
import struct
import sys
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression

path, candidates, chosen, chosen_lambda, with_criteria = sys.argv[1:6]
candidates = candidates.split(";")
chosen_lambda = float(chosen_lambda)
with_criteria = with_criteria == "1"
PENALTIES = [0.1, 1, 10, 100]

rows = {}
for line in open(path):
    line = line.strip()
    if not line:
        continue
    lead, half_life, label, rest = line.split(",", 3)
    quoted, large, software = rest.rsplit(",", 2)
    rules = [float(v) for v in quoted.strip('"').split(",")]
    rows.setdefault(half_life, {})[int(lead)] = (int(label), rules, [float(large), float(software)])

leads = sorted(rows[candidates[0]])
n_rules = len(rows[candidates[0]][leads[0]][1])
y = np.array([rows[candidates[0]][k][0] for k in leads], dtype=float)


def design(half_life):
    x = [rows[half_life][k][1] + (rows[half_life][k][2] if with_criteria else []) for k in leads]
    return np.array(x, dtype=float)


def standardise(x):
    mean = x.mean(axis=0)
    sd = x.std(axis=0)  # ddof = 0
    # A nearly constant rule column is left out, as a constant one.
    rule = np.arange(x.shape[1]) < n_rules
    sd = np.where(rule & (sd <= 0.1 * np.abs(mean)), 0.0, sd)
    z = np.where(sd > 0, (x - mean) / np.where(sd > 0, sd, 1), 0.0)
    return z, mean, sd


def fit(z, target, lam):
    model = LogisticRegression(C=1 / lam, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(z, target)
    return model


def fnv1a_fold(lead, folds=5):
    h = 1469598103934665603
    for c in struct.pack("<q", lead):  # int8 as PostgreSQL holds it on x86
        h = ((h ^ c) * 1099511628211) % 2**64
    return h % folds


fold = np.array([fnv1a_fold(k) for k in leads])

# The cross-validation: standardised on every lead, each fold predicted by
# a fit on the others, mean held-out log loss (probabilities clipped to
# [1e-15, 1 - 1e-15]); the first strictly lowest wins.
best = None
for half_life in candidates:
    z, _, _ = standardise(design(half_life))
    for lam in PENALTIES:
        loss, held = 0.0, 0
        for f in range(5):
            train, test = fold != f, fold == f
            if len(set(y[train])) < 2:
                continue
            p = np.clip(fit(z[train], y[train], lam).predict_proba(z[test])[:, 1], 1e-15, 1 - 1e-15)
            loss -= np.sum(np.where(y[test] > 0, np.log(p), np.log(1 - p)))
            held += int(test.sum())
        loss /= held
        print("cv|%s|%r|%r" % (half_life, lam, loss))
        if best is None or loss < best[2]:
            best = (half_life, lam, loss)
print("best|%s|%r|%r" % best)

# The fit learn() chose, on every lead.
x = design(chosen)
z, mean, sd = standardise(x)
model = fit(z, y, chosen_lambda)
w_std, b_std = model.coef_[0], model.intercept_[0]
p = model.predict_proba(z)[:, 1]
# Standard errors: sqrt(diag(inv(H))), H the penalised Hessian (intercept
# unpenalised) on the standardised columns.
z1 = np.column_stack([z, np.ones(len(z))])
q = p * (1 - p)
h = z1.T @ (z1 * q[:, None]) + np.diag([chosen_lambda] * z.shape[1] + [0.0])
se_std = np.sqrt(np.diag(np.linalg.inv(h)))[:-1]
safe = np.where(sd > 0, sd, 1)
w = np.where(sd > 0, w_std / safe, 0.0)
se = np.where(sd > 0, se_std / safe, np.nan)
for j in range(len(w)):
    print("w|%d|%r" % (j, float(w[j])))
    print("se|%d|%r" % (j, float(se[j])))
print("b|%r" % float(b_std - np.sum(w * mean)))
for k, pk in zip(leads, p):
    print("p|%d|%r" % (k, float(pk)))
PY
close($py);

my @rule_names = split /\n/, sql("SELECT rule FROM chk.rule_names ORDER BY rule_no");
my @criterion_names = ('large', 'software');
my $ln2 = log(2);
my %max_dev;

sub dev
{
	my ($what, $ours, $theirs) = @_;
	my $d = abs($ours - $theirs) / (abs($theirs) > 1 ? abs($theirs) : 1);
	$max_dev{$what} = $d if !defined $max_dev{$what} || $d > $max_dev{$what};
	return $d;
}

for my $m ('crm', 'plain')
{
	my $graded = $m eq 'crm' ? 1 : 0;
	# The note: "half-life H (of C1, C2, ...), penalty L, cross-validated log loss X; ..."
	my ($chosen, $tried, $lambda, $loss) =
	  $note{$m} =~ /^half-life (.+?) \(of (.+?)\), penalty ([0-9.e+-]+), cross-validated log loss ([0-9.]+);/
	  or die "cannot read the note of $m: $note{$m}";
	my @candidates = split /, /, $tried;

	my $t1 = time();
	my ($stdout, $stderr) =
	  run_command([ $python, $script, $features_file, join(';', @candidates), $chosen, $lambda, $graded ]);
	note(sprintf('%s: scikit-learn took %.1f s', $m, time() - $t1));
	is($stderr, '', "$m: scikit-learn ran without a warning");

	my (%w, %se, %p, @cv, $b_sk, @best);
	for (split /\n/, $stdout)
	{
		my @f = split /\|/;
		if    ($f[0] eq 'w')    { $w{ $f[1] } = $f[2] }
		elsif ($f[0] eq 'se')   { $se{ $f[1] } = $f[2] }
		elsif ($f[0] eq 'p')    { $p{ $f[1] } = $f[2] }
		elsif ($f[0] eq 'b')    { $b_sk = $f[1] }
		elsif ($f[0] eq 'cv')   { push @cv, [ @f[ 1 .. 3 ] ] }
		elsif ($f[0] eq 'best') { @best = @f[ 1 .. 3 ] }
	}
	note("$m: cross-validation (half-life, penalty, log loss): "
		  . join('; ', map { sprintf('%s %s %.6f', @$_) } @cv));

	# The choice: scikit-learn's cross-validation picks the same cell, and
	# the note's loss is its loss to the 4 decimals printed.  A runner-up
	# within 1e-9 would make the choice a matter of rounding: report it.
	is("$best[0] / $best[1]", "$chosen / " . (0 + $lambda), "$m: cross-validation chooses half-life $chosen, penalty $lambda");
	my @sorted = sort { $a <=> $b } map { $_->[2] } @cv;
	note(sprintf('%s: best cross-validated log loss %.9f, runner-up %.9f', $m, @sorted[ 0, 1 ]));
	cmp_ok(abs($best[2] - $loss), '<=', 5.0001e-5, "$m: the note's cross-validated log loss ($loss) is scikit-learn's ($best[2])");
	dev('cv log loss (rounded to 4 in the note)', $loss, $best[2]);

	# Rules: learned points and their standard errors.
	my %rows = map { my @f = split /\|/; ("$f[0]:$f[1]" => [ @f[ 2, 3 ] ]) }
	  split /\n/, sql("SELECT kind, coalesce(name, ''), learned, coalesce(standard_error::text, 'NaN') FROM chk.learned_$m");
	my @bad;
	for my $j (0 .. $#rule_names)
	{
		my $row = $rows{"rule:$rule_names[$j]"} or do { push @bad, "no row for $rule_names[$j]"; next };
		my $points = $w{$j} * $ppd{$m} / $ln2;
		my $error = $se{$j} * $ppd{$m} / $ln2;
		push @bad, "$rule_names[$j]: points $row->[0] vs scikit-learn $points"
		  if dev("$m rule points", $row->[0], $points) > 1e-4;
		push @bad, "$rule_names[$j]: standard error $row->[1] vs $error"
		  if dev("$m rule standard errors", $row->[1], $error) > 1e-4;
	}
	is(join("\n", @bad), '', "$m: learned points and standard errors of the " . scalar(@rule_names) . ' rules agree with scikit-learn');
	my $intercept = $rows{'intercept:'}[0];
	cmp_ok(dev("$m intercept", $intercept, $b_sk), '<=', 1e-4, "$m: the intercept ($intercept) agrees with scikit-learn ($b_sk)");
	note("$m: points " . join(', ', map { sprintf('%s %.3f', $rule_names[$_], $rows{"rule:$rule_names[$_]"}[0]) } 0 .. $#rule_names)
		  . sprintf('; intercept %.4f', $intercept));

	if ($graded)
	{
		# Criteria: steps are whole (round(w * 3 / ln 2), clamped), their
		# standard errors are not.
		@bad = ();
		for my $c (0 .. $#criterion_names)
		{
			my $j = @rule_names + $c;
			my $row = $rows{"criterion:$criterion_names[$c]"} or do { push @bad, "no row for $criterion_names[$c]"; next };
			my $raw = $w{$j} * 3 / $ln2;
			my $steps = $raw < 0 ? -int(-$raw + 0.5) : int($raw + 0.5);
			$steps = 12 if $steps > 12;
			$steps = -12 if $steps < -12;
			my $fraction = abs($raw - int($raw));
			if (abs($fraction - 0.5) < 1e-6)
			{
				note("$criterion_names[$c]: $raw steps is too close to a rounding boundary to compare");
			}
			elsif ($row->[0] != $steps)
			{
				push @bad, "$criterion_names[$c]: steps $row->[0] vs scikit-learn $steps ($raw)";
			}
			my $error = $se{$j} * 3 / $ln2;
			push @bad, "$criterion_names[$c]: standard error $row->[1] vs $error"
			  if dev("$m criterion standard errors", $row->[1], $error) > 1e-4;
			note(sprintf('%s: %s steps (scikit-learn %.4f), standard error %.4f', $criterion_names[$c], $row->[0], $raw, $row->[1]));
		}
		is(join("\n", @bad), '', "$m: learned steps and standard errors of the criteria agree with scikit-learn");
	}
	else
	{
		# Nothing rounded: every train lead's probability from learn()'s
		# outputs and the plain-SQL features, against predict_proba.
		my %ours = map { split /\|/ } split /\n/, sql(<<"SQL");
WITH w AS (
	SELECT r.rule_no, l.learned * ln(2) / $ppd{$m} AS weight
	FROM chk.learned_$m l JOIN chk.rule_names r ON r.rule = l.name WHERE l.kind = 'rule'
)
SELECT f.lead_id, 1 / (1 + exp(-((SELECT learned FROM chk.learned_$m WHERE kind = 'intercept') + sum(w.weight * f.value))))
FROM chk.features f JOIN w USING (rule_no) WHERE f.half_life = '$chosen' GROUP BY f.lead_id
SQL
		is(scalar(keys %ours) . ' ' . scalar(keys %p), "$judged $judged", "$m: a probability for every judged lead");
		my @off = grep { !exists $ours{$_} || dev("$m probabilities", $ours{$_}, $p{$_}) > 1e-4 } sort keys %p;
		is(scalar(@off), 0, "$m: every lead's probability from learn()'s weights agrees with scikit-learn's predict_proba to 1e-4")
		  or diag(join("\n", map { "$_: ours " . ($ours{$_} // 'none') . ", sklearn $p{$_}" } @off[ 0 .. ($#off < 9 ? $#off : 9) ]));
	}
}

note(join("\n", 'largest deviations from scikit-learn (relative above 1):',
	map { sprintf('  %s: %.3g', $_, $max_dev{$_}) } sort keys %max_dev));
note(sprintf('total %.1f s', time() - $started));

$node->stop;
done_testing();
