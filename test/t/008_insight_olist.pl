# calibrate() and evaluate() on the Olist marketing funnel (data/README.md),
# checked against computations written separately here:
#
#   * lift per activity type, rule, lead origin and grade criterion by plain
#     SQL from the definitions (population, no activity at or after a
#     conversion counts), with the Wilson bounds, and the lift->steps
#     mapping of the criteria;
#   * scores as they stood at as_of by plain SQL (caps with window
#     functions, decay with power(2, -age / half-life)), for a model without
#     decay and a 30-day one; the population, labels, segments, rates, lift,
#     precision, recall, median days and deal values by plain SQL; the SQL
#     segment of a model with sql_min_grade with grades computed by plain SQL
#     from the lead table (attached with attach_leads);
#   * ROC AUC from scikit-learn's roc_auc_score (Debian's python3-sklearn)
#     on the same scores and labels, overall and per lead source, to 1e-9.
#
# The leads, origins and won deals are real (CC BY-NC-SA 4.0, tests only);
# most activity rows are synthetic with a planted signal, so the numbers show
# that the computations agree, not that any model predicts anything.  The
# origin lifts are on observed fields only.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);

my $data = abs_path(dirname(__FILE__) . '/../../data');
my $node = PostgreSQL::Test::Cluster->new('insight_olist');
$node->init;
$node->append_conf('postgresql.conf', "timezone = 'UTC'\nfsync = off");
$node->start;

sub sql { return $node->safe_psql('postgres', shift) }

# ---------------------------------------------------------------------------
# The CRM, as scripts/demo.sql builds it, and three models.
# ---------------------------------------------------------------------------

sql(<<"SQL");
CREATE EXTENSION leadscore;
CREATE SCHEMA crm;
CREATE SCHEMA load;
CREATE TABLE crm.contacts (id bigint PRIMARY KEY, mql_id text NOT NULL UNIQUE, first_contact_date date NOT NULL,
	landing_page_id text, origin text);
CREATE TABLE crm.deals (contact_id bigint REFERENCES crm.contacts, won_at timestamptz NOT NULL, amount numeric);
CREATE TABLE crm.activities (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, lead_id bigint NOT NULL,
	kind text NOT NULL, occurred_at timestamptz NOT NULL, url text, duration_s integer, channel text, source text NOT NULL);
CREATE INDEX ON crm.activities (lead_id, occurred_at);
CREATE TABLE load.mql (mql_id text, first_contact_date date, landing_page_id text, origin text);
CREATE TABLE load.deals (mql_id text, seller_id text, sdr_id text, sr_id text, won_date timestamp,
	business_segment text, lead_type text, lead_behaviour_profile text, has_company text, has_gtin text,
	average_stock text, business_type text, declared_product_catalog_size text, declared_monthly_revenue text);
COPY load.mql FROM '$data/olist/olist_marketing_qualified_leads_dataset.csv' (FORMAT csv, HEADER);
COPY load.deals FROM '$data/olist/olist_closed_deals_dataset.csv' (FORMAT csv, HEADER);
INSERT INTO crm.contacts
SELECT row_number() OVER (ORDER BY mql_id COLLATE "C"), mql_id, first_contact_date, landing_page_id, origin FROM load.mql;
-- declared_monthly_revenue is no real deal value (data/README.md); it is
-- here to check the arithmetic of avg_deal_value.
INSERT INTO crm.deals
SELECT c.id, d.won_date, nullif(d.declared_monthly_revenue, '')::numeric FROM load.deals d JOIN crm.contacts c USING (mql_id);

SELECT leadscore.create_model('seller', half_life => NULL, mql_threshold => 50, sql_threshold => 100);
SELECT leadscore.add_rule('seller', 'form_fill', 30, 'awareness', name => 'signed_up');
SELECT leadscore.add_rule('seller', 'page_view', 5, 'awareness', condition => \$\$url LIKE '/blog/%'\$\$, name => 'blog_post');
SELECT leadscore.add_rule('seller', 'email_open', 8, 'awareness', max_count => 5);
SELECT leadscore.add_rule('seller', 'email_click', 10, 'consideration');
SELECT leadscore.add_rule('seller', 'content_download', 20, 'consideration');
SELECT leadscore.add_rule('seller', 'webinar', 25, 'consideration', condition => 'duration_s >= 600', name => 'webinar_attended');
SELECT leadscore.add_rule('seller', 'page_view', 35, 'consideration',
	condition => \$\$url LIKE '/pricing%' AND duration_s >= 30\$\$, name => 'pricing_read');
SELECT leadscore.add_rule('seller', 'demo_request', 50, 'decision');
SELECT leadscore.add_rule('seller', 'unsubscribe', -40);
SELECT leadscore.add_rule('seller', 'page_view', -10, condition => \$\$url LIKE '/careers%'\$\$, name => 'careers_page');
SELECT leadscore.create_model('seller_30d', half_life => '30 days', mql_threshold => 50, sql_threshold => 100);
SELECT count(leadscore.add_rule('seller_30d', r.activity_type, r.points, r.stage, r.condition, r.max_count, r.name))
FROM (SELECT r.* FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id
      WHERE m.name = 'seller' ORDER BY r.id) r;
-- One 0-point rule per acquisition channel of the first contact (observed).
SELECT leadscore.create_model('origins', half_life => NULL);
SELECT count(leadscore.add_rule('origins', 'form_fill', 0,
	condition => CASE WHEN origin IS NULL THEN 'channel IS NULL' ELSE format('channel = %L', origin) END,
	name => 'origin_' || coalesce(origin, 'none')))
FROM (SELECT DISTINCT origin FROM crm.contacts ORDER BY 1) o;

SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'occurred_at');
COPY crm.activities (lead_id, kind, occurred_at, url, duration_s, channel, source)
	FROM '$data/derived/activities.csv' (FORMAT csv, HEADER);
SELECT leadscore.attach_outcomes('crm.deals', 'contact_id', 'won_at', 'amount');
SQL

is(sql("SELECT count(*) FROM crm.contacts") . '/' . sql("SELECT count(*) FROM crm.deals") . '/'
	  . sql("SELECT count(*) FROM crm.activities"),
	'8000/842/33067', 'Olist leads, won deals and the derived activity rows are loaded');

# ---------------------------------------------------------------------------
# The independent computations, in plain SQL.
# ---------------------------------------------------------------------------

sql(<<'SQL');
CREATE SCHEMA chk;
-- The rules of 'seller' as SQL predicates (NULL: not matched, as in the
-- condition language).
CREATE FUNCTION chk.seller_rules(kind text, url text, duration_s integer)
RETURNS TABLE (rule text, points float8, cap integer) LANGUAGE sql IMMUTABLE AS $$
	SELECT r.rule, r.points, r.cap FROM (VALUES
		('signed_up', 30::float8, NULL::integer, kind = 'form_fill'),
		('blog_post', 5, NULL, kind = 'page_view' AND url LIKE '/blog/%'),
		('email_open', 8, 5, kind = 'email_open'),
		('email_click', 10, NULL, kind = 'email_click'),
		('content_download', 20, NULL, kind = 'content_download'),
		('webinar_attended', 25, NULL, kind = 'webinar' AND duration_s >= 600),
		('pricing_read', 35, NULL, kind = 'page_view' AND url LIKE '/pricing%' AND duration_s >= 30),
		('demo_request', 50, NULL, kind = 'demo_request'),
		('unsubscribe', -40, NULL, kind = 'unsubscribe'),
		('careers_page', -10, NULL, kind = 'page_view' AND url LIKE '/careers%')
	) r(rule, points, cap, matches) WHERE r.matches
$$;
CREATE FUNCTION chk.first_wins() RETURNS TABLE (lead bigint, won_at timestamptz) LANGUAGE sql STABLE AS $$
	SELECT contact_id, min(won_at) FROM crm.deals GROUP BY contact_id
$$;
-- Scores at as_of: per rule the (capped: N most recent) matching rows at or
-- before as_of, each worth points * 2^-(age / half-life).
CREATE FUNCTION chk.scores(as_of timestamptz, half_life interval)
RETURNS TABLE (lead bigint, score float8) LANGUAGE sql STABLE AS $$
	WITH hits AS (
		SELECT a.lead_id, r.points, r.cap, a.occurred_at,
		       row_number() OVER (PARTITION BY a.lead_id, r.rule ORDER BY a.occurred_at DESC) AS recency
		FROM crm.activities a CROSS JOIN LATERAL chk.seller_rules(a.kind, a.url, a.duration_s) r
		WHERE a.occurred_at <= as_of
	)
	SELECT lead_id, sum(points * CASE WHEN half_life IS NULL THEN 1::float8 ELSE
		power(2::float8, -extract(epoch FROM as_of - occurred_at)::float8 / extract(epoch FROM half_life)::float8) END)
	FROM hits WHERE cap IS NULL OR recency <= cap GROUP BY lead_id
$$;
-- evaluate()'s population: active at or before as_of, not converted by
-- then; converted: first win in (as_of, as_of + horizon].
CREATE FUNCTION chk.population(as_of timestamptz, horizon interval)
RETURNS TABLE (lead bigint, converted boolean, days float8) LANGUAGE sql STABLE AS $$
	SELECT DISTINCT a.lead_id, coalesce(w.won_at <= as_of + horizon, false),
	       CASE WHEN w.won_at <= as_of + horizon THEN extract(epoch FROM w.won_at - as_of)::float8 / 86400 END
	FROM crm.activities a LEFT JOIN chk.first_wins() w ON w.lead = a.lead_id
	WHERE a.occurred_at <= as_of AND (w.won_at IS NULL OR w.won_at > as_of)
$$;
-- Each lead's first non-NULL channel at or before as_of.
CREATE FUNCTION chk.first_touch(as_of timestamptz) RETURNS TABLE (lead bigint, source text) LANGUAGE sql STABLE AS $$
	SELECT DISTINCT ON (lead_id) lead_id, channel FROM crm.activities
	WHERE channel IS NOT NULL AND occurred_at <= as_of ORDER BY lead_id, occurred_at, channel
$$;
SQL

# ---------------------------------------------------------------------------
# calibrate(): counts, lifts and Wilson bounds against plain SQL.
# ---------------------------------------------------------------------------

# Population and labels of calibrate(since, until, horizon) from the
# definition, then per key (activity type or rule): leads, converted, and
# whether calibrate's row agrees on both counts, the lift and the bounds.
sub calibration_mismatches
{
	my ($model, $since, $until, $horizon, $key_sql, $kind) = @_;
	return sql(<<"SQL");
WITH observed AS (
	SELECT a.*, w.won_at IS NOT NULL AND w.won_at < '$until'::timestamptz + '$horizon'::interval AS converted
	FROM crm.activities a LEFT JOIN chk.first_wins() w ON w.lead = a.lead_id
	WHERE a.occurred_at >= '$since' AND a.occurred_at < '$until' AND (w.won_at IS NULL OR a.occurred_at < w.won_at)
), base AS (
	SELECT count(DISTINCT lead_id) FILTER (WHERE converted)::float8 / count(DISTINCT lead_id) AS rate FROM observed
), keyed AS (
	SELECT o.lead_id, o.converted, k.key FROM observed o CROSS JOIN LATERAL ($key_sql) k(key)
), counts AS (
	SELECT key, count(DISTINCT lead_id) AS leads, count(DISTINCT lead_id) FILTER (WHERE converted) AS converted
	FROM keyed GROUP BY key
), wilson AS (
	SELECT c.*, converted::float8 / leads AS p, leads::float8 AS n, 1.959963984540054::float8 AS z FROM counts c
), expected AS (
	SELECT key, leads, converted, p / b.rate AS lift,
	       ((p + z * z / (2 * n)) - z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n) / b.rate AS lo,
	       ((p + z * z / (2 * n)) + z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n) / b.rate AS hi
	FROM wilson, base b
)
SELECT count(*) FILTER (WHERE c.name IS NULL OR e.leads <> c.leads OR e.converted <> c.converted
	OR abs(e.lift - c.lift) > 1e-9 * e.lift OR abs(e.lo - c.lift_low) > 1e-9 OR abs(e.hi - c.lift_high) > 1e-9)
	|| ' of ' || count(*) || ' of ' || (SELECT count(*) FROM leadscore.calibrate('$model', '$since', '$until', '$horizon')
	                                    WHERE kind = '$kind' AND leads > 0)
FROM expected e
LEFT JOIN leadscore.calibrate('$model', '$since', '$until', '$horizon') c ON c.kind = '$kind' AND c.name = e.key
SQL
}

# "0 of N of N", N > 0: no key disagrees, and calibrate() has a row with
# leads for exactly the keys plain SQL finds.
sub agrees
{
	my ($result, $what) = @_;
	my ($bad, $keys, $rows) = split / of /, $result;
	ok($bad == 0 && $keys > 0 && $keys == $rows, "$what ($keys keys)") or diag("mismatches of keys of rows: $result");
}

my ($since, $until, $horizon) = ('2017-06-01', '2018-03-01', '120 days');

agrees(calibration_mismatches('origins', $since, $until, $horizon,
		q{SELECT 'origin_' || coalesce(o.channel, 'none') WHERE o.kind = 'form_fill'}, 'rule'),
	'lift per observed origin agrees with plain SQL');
agrees(calibration_mismatches('seller', $since, $until, $horizon, q{SELECT o.kind}, 'activity_type'),
	'lift per activity type agrees with plain SQL');
agrees(calibration_mismatches('seller', $since, $until, $horizon,
		q{SELECT r.rule FROM chk.seller_rules(o.kind, o.url, o.duration_s) r}, 'rule'),
	'lift per rule agrees with plain SQL');

# The population row: every lead with an observed row, its base rate.
is(sql(<<"SQL"),
SELECT c.leads = e.leads AND c.converted = e.converted
FROM leadscore.calibrate('seller', '$since', '$until', '$horizon') c,
	(SELECT count(DISTINCT a.lead_id) AS leads,
	        count(DISTINCT a.lead_id) FILTER (WHERE w.won_at < '$until'::timestamptz + '$horizon'::interval) AS converted
	 FROM crm.activities a LEFT JOIN chk.first_wins() w ON w.lead = a.lead_id
	 WHERE a.occurred_at >= '$since' AND a.occurred_at < '$until' AND (w.won_at IS NULL OR a.occurred_at < w.won_at)) e
WHERE c.kind = 'population'
SQL
	't', 'the population and its conversions agree with plain SQL');

# Origins are an observed signal: paid and organic search convert better
# than email (data/README.md); report the lifts.
my $origins = sql(<<"SQL");
SELECT string_agg(name || '=' || round(lift::numeric, 2) || CASE WHEN low_confidence THEN '?' ELSE '' END, ' ' ORDER BY lift DESC)
FROM leadscore.calibrate('origins', '$since', '$until', '$horizon') WHERE kind = 'rule'
SQL
note("origin lifts (observed data): $origins");
ok(sql("SELECT (SELECT lift FROM leadscore.calibrate('origins', '$since', '$until', '$horizon') WHERE name = 'origin_paid_search')"
		  . " > (SELECT lift FROM leadscore.calibrate('origins', '$since', '$until', '$horizon') WHERE name = 'origin_email')") eq 't',
	'paid search has a higher lift than email');

# ---------------------------------------------------------------------------
# Grade criteria: the contacts table attached with attach_leads, a grade
# profile over its (observed) columns, and 'seller_graded': seller's rules
# with the profile and sql_min_grade B-.
# ---------------------------------------------------------------------------

sql(<<'SQL');
SELECT leadscore.create_grade_profile('seller_icp', 'C');
SELECT leadscore.add_criterion('seller_icp', $$origin IN ('organic_search', 'paid_search')$$, 2, 'search');
SELECT leadscore.add_criterion('seller_icp', $$origin = 'email'$$, -2, 'email_origin');
SELECT leadscore.add_criterion('seller_icp', 'origin IS NULL', -1, 'no_origin');
SELECT leadscore.add_criterion('seller_icp', $$origin = 'display'$$, 1, 'display');
SELECT leadscore.add_criterion('seller_icp', $$landing_page_id = 'b76ef37428e6799c421989521c0e5077'$$, 1, 'top_landing_page');
SELECT leadscore.create_model('seller_graded', half_life => NULL, mql_threshold => 50, sql_threshold => 100,
	grade_profile => 'seller_icp', sql_min_grade => 'B-');
SELECT count(leadscore.add_rule('seller_graded', r.activity_type, r.points, r.stage, r.condition, r.max_count, r.name))
FROM (SELECT r.* FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id
      WHERE m.name = 'seller' ORDER BY r.id) r;
SELECT leadscore.rescore('seller_graded');
SELECT leadscore.attach_leads('crm.contacts', 'id');
-- The criteria as SQL predicates, and each contact's grade rank from them
-- (base C = 5, steps added, clamped to F = 0 .. A+ = 12).
CREATE FUNCTION chk.criteria(origin text, landing_page_id text) RETURNS TABLE (criterion text, steps integer)
LANGUAGE sql IMMUTABLE AS $$
	SELECT c.criterion, c.steps FROM (VALUES
		('search', 2, origin IN ('organic_search', 'paid_search')),
		('email_origin', -2, origin = 'email'),
		('no_origin', -1, origin IS NULL),
		('display', 1, origin = 'display'),
		('top_landing_page', 1, landing_page_id = 'b76ef37428e6799c421989521c0e5077')
	) c(criterion, steps, matches) WHERE c.matches
$$;
CREATE FUNCTION chk.grade_ranks() RETURNS TABLE (lead bigint, rank integer) LANGUAGE sql STABLE AS $$
	SELECT c.id, greatest(0, least(12, 5 + coalesce((SELECT sum(k.steps) FROM chk.criteria(c.origin, c.landing_page_id) k), 0)))::integer
	FROM crm.contacts c
$$;
SQL

is(sql(<<'SQL'),
SELECT count(*) || ' ' || count(*) FILTER (WHERE s.grade::text
	= (ARRAY['F', 'D-', 'D', 'D+', 'C-', 'C', 'C+', 'B-', 'B', 'B+', 'A-', 'A', 'A+'])[g.rank + 1])
FROM chk.grade_ranks() g LEFT JOIN leadscore.lead_scores s ON s.model = 'seller_graded' AND s.lead_id = g.lead
SQL
	'8000 8000', 'every contact\'s grade agrees with plain SQL');

agrees(calibration_mismatches('seller_graded', $since, $until, $horizon,
		q{SELECT k.criterion FROM crm.contacts c, chk.criteria(c.origin, c.landing_page_id) k WHERE c.id = o.lead_id},
		'criterion'),
	'lift per grade criterion agrees with plain SQL');

# The lift->steps mapping from calibrate's own intervals: the conservative
# lift, s = sum |steps| / sum |log2 lift| over the confident criteria,
# round(s * log2 lift) clamped to -12..12.
is(sql(<<"SQL"),
WITH c AS (
	SELECT * FROM leadscore.calibrate('seller_graded', '$since', '$until', '$horizon') WHERE kind = 'criterion'
), cons AS (
	SELECT c.*, CASE WHEN low_confidence THEN NULL WHEN lift_low > 1 THEN lift_low WHEN lift_high < 1 THEN lift_high
	               ELSE 1 END AS cl FROM c
), scale AS (
	SELECT sum(abs(current_steps)) / sum(abs(ln(cl) / ln(2))) AS s FROM cons WHERE cl IS NOT NULL
)
SELECT count(*) FILTER (WHERE abs(steps_per_doubling - s) < 1e-9 AND suggested_steps IS NOT DISTINCT FROM
	CASE WHEN cl IS NOT NULL THEN greatest(-12, least(12, round(s * ln(cl) / ln(2))))::integer END)
	|| ' of ' || count(*) || ', ' || count(*) FILTER (WHERE cl IS NOT NULL AND cl <> 1) || ' with a lift'
FROM cons, scale
SQL
	'5 of 5, 2 with a lift', 'suggested steps per criterion agree with the mapping in plain SQL');
my $steps = sql(<<"SQL");
SELECT string_agg(name || '=' || round(lift::numeric, 2) || ':' || current_steps || '->' || coalesce(suggested_steps::text, '?'), ' ' ORDER BY name)
FROM leadscore.calibrate('seller_graded', '$since', '$until', '$horizon') WHERE kind = 'criterion'
SQL
note("criteria (lift:steps->suggested): $steps");

# ---------------------------------------------------------------------------
# evaluate(): scores at as_of, population, labels and segments.
# ---------------------------------------------------------------------------

my ($as_of, $eval_horizon) = ('2018-03-01', '90 days');

for my $model (['seller', 'NULL'], ['seller_30d', q{'30 days'}])
{
	my ($name, $half_life) = @$model;
	is(sql(<<"SQL"),
SELECT count(*) || ' ' || count(*) FILTER (WHERE e.lead_id IS NOT NULL AND p.lead IS NOT NULL AND e.converted = p.converted
	AND abs(e.score - coalesce(s.score, 0)) <= 1e-9 * greatest(1, abs(coalesce(s.score, 0))))
FROM (SELECT * FROM leadscore.evaluate_leads('$name', '$as_of', '$eval_horizon')) e
FULL JOIN chk.population('$as_of', '$eval_horizon') p ON p.lead = e.lead_id::bigint
LEFT JOIN chk.scores('$as_of', $half_life) s ON s.lead = coalesce(p.lead, e.lead_id::bigint)
SQL
		sql("SELECT count(*) || ' ' || count(*) FROM chk.population('$as_of', '$eval_horizon')"),
		"$name: every lead's score at as_of and label agree with plain SQL");

	# The 'all' scope's segments from the plain-SQL scores.
	is(sql(<<"SQL"),
WITH l AS (
	SELECT p.lead, p.converted, p.days, coalesce(s.score, 0) AS score,
	       (SELECT sum(d.amount)::float8 FROM crm.deals d WHERE d.contact_id = p.lead
	        AND d.won_at > '$as_of' AND d.won_at <= '$as_of'::timestamptz + '$eval_horizon'::interval) AS value,
	       (SELECT count(d.amount) FROM crm.deals d WHERE d.contact_id = p.lead
	        AND d.won_at > '$as_of' AND d.won_at <= '$as_of'::timestamptz + '$eval_horizon'::interval) AS deals
	FROM chk.population('$as_of', '$eval_horizon') p LEFT JOIN chk.scores('$as_of', $half_life) s ON s.lead = p.lead
), seg AS (
	SELECT 'all' AS segment, * FROM l
	UNION ALL SELECT 'above_mql', * FROM l WHERE score >= 50
	UNION ALL SELECT 'below_mql', * FROM l WHERE score < 50
	UNION ALL SELECT 'above_sql', * FROM l WHERE score >= 100
	UNION ALL SELECT 'below_sql', * FROM l WHERE score < 100
), base AS (SELECT avg(converted::int)::float8 AS rate, count(*) FILTER (WHERE converted) AS conv FROM l
), expected AS (
	SELECT segment, count(*) AS leads, count(*) FILTER (WHERE converted) AS converted,
	       avg(converted::int)::float8 AS rate,
	       sum(value) FILTER (WHERE converted) / nullif(sum(deals) FILTER (WHERE converted), 0) AS avg_value,
	       percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FILTER (WHERE converted) AS median_days
	FROM seg GROUP BY segment
)
SELECT count(*) FILTER (WHERE v.leads = x.leads AND v.converted = x.converted
	AND abs(v.conversion_rate - x.rate) < 1e-12 AND abs(v.lift - x.rate / b.rate) < 1e-12
	AND (v.segment NOT LIKE 'above%' OR (abs(v.precision - x.rate) < 1e-12
	     AND abs(v.recall - x.converted::float8 / b.conv) < 1e-12))
	AND (v.avg_deal_value IS NULL AND x.avg_value IS NULL OR abs(v.avg_deal_value - x.avg_value) <= 1e-9 * abs(x.avg_value))
	AND abs(v.median_days_to_convert - x.median_days) < 1e-9)
FROM leadscore.evaluate('$name', '$as_of', '$eval_horizon') v JOIN expected x USING (segment), base b
WHERE v.scope = 'all'
SQL
		'5', "$name: segments, rates, lift, precision, recall, deal value and days agree with plain SQL");
}

# The SQL segment of the graded model: score at as_of >= 100 and today's
# grade >= B- (plain-SQL ranks); fewer leads than the ungraded model's.
is(sql(<<"SQL"),
WITH l AS (
	SELECT p.lead, p.converted, coalesce(s.score, 0) AS score, g.rank
	FROM chk.population('$as_of', '$eval_horizon') p LEFT JOIN chk.scores('$as_of', NULL) s ON s.lead = p.lead
	LEFT JOIN chk.grade_ranks() g ON g.lead = p.lead
), x AS (
	SELECT 'above_sql' AS segment, count(*) AS leads, count(*) FILTER (WHERE converted) AS converted FROM l
	WHERE score >= 100 AND rank >= 7
	UNION ALL
	SELECT 'below_sql', count(*), count(*) FILTER (WHERE converted) FROM l
	WHERE NOT (score >= 100 AND coalesce(rank >= 7, false))
)
SELECT count(*) FILTER (WHERE v.leads = x.leads AND v.converted = x.converted)
	|| ' ' || bool_and(x.segment <> 'above_sql' OR (x.leads > 0 AND x.leads < u.leads))
FROM x JOIN leadscore.evaluate('seller_graded', '$as_of', '$eval_horizon') v ON v.scope = 'all' AND v.segment = x.segment
JOIN leadscore.evaluate('seller', '$as_of', '$eval_horizon') u ON u.scope = 'all' AND u.segment = 'above_sql'
SQL
	'2 true', 'seller_graded: the SQL segment needs today\'s grade, as plain SQL says');

# ---------------------------------------------------------------------------
# ROC AUC against scikit-learn, overall and per lead source.
# ---------------------------------------------------------------------------

my $script = "$PostgreSQL::Test::Utils::tmp_check/roc_auc.py";
open(my $py, '>', $script) or die "cannot write $script: $!";
print $py <<'PY';
# Reads "group|score|label" lines and prints "group|auc" per group with
# both classes, AUC from scikit-learn.
import sys
from sklearn.metrics import roc_auc_score

groups = {}
for line in open(sys.argv[1]):
    group, score, label = line.rstrip("\n").split("|")
    scores, labels = groups.setdefault(group, ([], []))
    scores.append(float(score))
    labels.append(int(label))
for group, (scores, labels) in sorted(groups.items()):
    if 0 < sum(labels) < len(labels):
        print("%s|%r" % (group, float(roc_auc_score(labels, scores))))
PY
close($py);

for my $model ('seller', 'seller_30d')
{
	# The same scores and labels evaluate() used, every lead once as 'all'
	# and once under its source.
	my $rows = sql(<<"SQL");
SELECT g, score, converted::int FROM leadscore.evaluate_leads('$model', '$as_of', '$eval_horizon', 'channel'),
	LATERAL (VALUES ('all'), ('source:' || coalesce(source, '<null>'))) v(g)
SQL
	my $file = "$PostgreSQL::Test::Utils::tmp_check/scores_$model.txt";
	open(my $out, '>', $file) or die "cannot write $file: $!";
	print $out "$rows\n";
	close($out);
	my ($stdout, $stderr) = run_command([ 'python3', $script, $file ]);
	is($stderr, '', "$model: scikit-learn ran");
	my %sklearn = map { split /\|/ } split /\n/, $stdout;
	my %ours = map { split /\|/ } split /\n/, sql(<<"SQL");
SELECT CASE WHEN scope = 'all' THEN 'all' ELSE 'source:' || coalesce(source, '<null>') END, roc_auc
FROM leadscore.evaluate('$model', '$as_of', '$eval_horizon', 'channel')
WHERE segment = 'all' AND roc_auc IS NOT NULL
SQL
	is_deeply([ sort keys %ours ], [ sort keys %sklearn ], "$model: AUC for the same groups");
	my @off = grep { !exists $ours{$_} || abs($ours{$_} - $sklearn{$_}) > 1e-9 } sort keys %sklearn;
	is(scalar(@off), 0, "$model: ROC AUC agrees with scikit-learn to 1e-9 in " . scalar(keys %sklearn) . ' groups')
	  or diag(join("\n", map { "$_: ours " . ($ours{$_} // 'none') . ", sklearn $sklearn{$_}" } @off));
	note("$model: AUC overall $ours{all} (sklearn $sklearn{all})");
}

# Per-source counts and the first-touch rule against plain SQL.
is(sql(<<"SQL"),
WITH l AS (
	SELECT p.lead, p.converted, t.source FROM chk.population('$as_of', '$eval_horizon') p
	LEFT JOIN chk.first_touch('$as_of') t ON t.lead = p.lead
), x AS (SELECT source, count(*) AS leads, count(*) FILTER (WHERE converted) AS converted FROM l GROUP BY source)
SELECT count(*) FILTER (WHERE v.leads = x.leads AND v.converted = x.converted) || ' of ' || count(*)
FROM x LEFT JOIN leadscore.evaluate('seller', '$as_of', '$eval_horizon', 'channel') v
	ON v.scope = 'source' AND v.segment = 'all' AND v.source IS NOT DISTINCT FROM x.source
SQL
	sql(<<"SQL") . ' of ' . sql(<<"SQL"), 'leads and conversions per lead source agree with plain SQL');
SELECT count(DISTINCT coalesce(t.source, '<null>')) FROM chk.population('$as_of', '$eval_horizon') p
LEFT JOIN chk.first_touch('$as_of') t ON t.lead = p.lead
SQL
SELECT count(DISTINCT coalesce(t.source, '<null>')) FROM chk.population('$as_of', '$eval_horizon') p
LEFT JOIN chk.first_touch('$as_of') t ON t.lead = p.lead
SQL

$node->stop;
done_testing();
