-- Lead DNA as a picture: dna_svg() lays out what dna() returns (insight.sql)
-- as a self-contained SVG card per model (README "dna_svg: the lead DNA as
-- a picture").  After insight.sql, whose dna() it reads; nothing depends on
-- it.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- Any text the CRM or a model's author chose (lead keys and attributes,
-- model, stage and rule names, account keys) goes through this before it
-- enters the SVG: cut to max_chars so it cannot run off the card, the five
-- XML specials escaped, and control characters, which XML 1.0 forbids even
-- escaped, made spaces (as are U+FFFE and U+FFFF).  The ellipsis is a
-- character reference so the card is the same in every database encoding.
-- IMMUTABLE: a reader's helper, which PUBLIC may run (src/sql/privileges.sql).
CREATE FUNCTION leadscore._svg_text(t text, max_chars integer DEFAULT 60) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN replace(replace(replace(replace(replace(
		regexp_replace(left(t, CASE WHEN length(t) > max_chars THEN max_chars - 1 ELSE max_chars END),
			'[\x01-\x1f\ufffe\uffff]', ' ', 'g'),
		'&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&apos;')
	|| CASE WHEN length(t) > max_chars THEN '&#8230;' ELSE '' END;

-- One card per model, 600 px wide: score, grade, the buyer stage on the
-- model's stage line, status, the top reasons with their share of the score
-- and the account's score (its status only where the model has an
-- account_threshold).  Everything comes from dna(), which also checks the
-- key; only the models' stage lists and account thresholds are read here.
CREATE FUNCTION leadscore.dna_svg(lead_id anyelement) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	card_height constant integer := 196;
	d jsonb := leadscore.dna(lead_id);
	m jsonb;
	r jsonb;
	model record;
	svg text := '';
	attrs text;
	y integer := 80;
	i integer;
	n integer;
	x integer;
	share float8;
	status_colour text;
BEGIN
	-- The lead row's first six attributes that are not NULL, three a line.
	SELECT string_agg(format('<tspan x="12" y="%s">', 50 + 16 * (a.n / 3)) || a.items || '</tspan>', '' ORDER BY a.n)
	INTO attrs
	FROM (SELECT min(a.n) AS n, string_agg(leadscore._svg_text(a.key, 14) || ': '
				|| leadscore._svg_text(a.value #>> '{}', 18), ' &#183; ' ORDER BY a.n) AS items
		FROM (SELECT a.key, a.value, (row_number() OVER (ORDER BY a.key) - 1)::integer AS n
			FROM jsonb_each(CASE jsonb_typeof(d -> 'attributes') WHEN 'object' THEN d -> 'attributes' ELSE '{}' END) a WHERE jsonb_typeof(a.value) <> 'null'
			ORDER BY a.key LIMIT 6) a
		GROUP BY a.n / 3) a;

	FOR m IN SELECT e FROM jsonb_array_elements(d -> 'models') e LOOP
		SELECT mm.stages, mm.account_threshold INTO model FROM leadscore.models mm WHERE mm.name = m ->> 'model';
		status_colour := CASE m ->> 'status' WHEN 'sql' THEN '#15803d' WHEN 'mql' THEN '#c2410c' ELSE '#6b7280' END;
		svg := svg || format('<g class="model" data-model="%s" transform="translate(12,%s)">'
			'<rect width="576" height="%s" rx="8" fill="#f8fafc" stroke="#cbd5e1"/>'
			'<text x="14" y="24" font-size="15" font-weight="bold">%s<tspan font-weight="normal" fill="#64748b">%s</tspan></text>'
			'<rect x="486" y="9" width="76" height="21" rx="10" fill="%s"/>'
			'<text class="status" x="524" y="24" font-size="12" font-weight="bold" fill="#ffffff" text-anchor="middle">%s</text>%s',
			leadscore._svg_text(m ->> 'model', 200), y, card_height, leadscore._svg_text(m ->> 'model', 40),
			CASE WHEN m ->> 'proposition' IS NOT NULL
				THEN '  ' || leadscore._svg_text(m ->> 'proposition', 34) ELSE '' END,
			status_colour, upper(m ->> 'status'),
			CASE WHEN (m ->> 'fit_priority')::boolean
				THEN '<text x="478" y="24" font-size="11" fill="#15803d" text-anchor="end">fit priority</text>' ELSE '' END);
		-- Score, grade and band (with its channel, where the model has
		-- bands: src/sql/bands.sql).
		svg := svg || format('<text class="score" x="14" y="66" font-size="28" font-weight="bold">%s</text>'
			'<text x="14" y="82" font-size="11" fill="#64748b">score</text>'
			'<text class="grade" x="130" y="66" font-size="24" font-weight="bold">%s</text>'
			'<text x="130" y="82" font-size="11" fill="#64748b">grade</text>%s',
			round((m ->> 'score')::numeric, 1), coalesce(m ->> 'grade', '&#8211;'),
			-- On the account's line, right-aligned: short enough not to meet it.
			CASE WHEN m ->> 'band' IS NOT NULL THEN format(
				'<text class="band" x="562" y="%s" font-size="11" fill="#1d4ed8" text-anchor="end">band %s%s</text>',
				card_height - 14, leadscore._svg_text(m ->> 'band', 12),
				CASE WHEN m ->> 'channel' IS NOT NULL
					THEN ' &#183; ' || leadscore._svg_text(m ->> 'channel', 16) ELSE '' END) ELSE '' END);
		-- The buyer stage on the model's stage line: every stage in order, the
		-- lead's filled.
		n := coalesce(cardinality(model.stages), 0);
		svg := svg || '<g class="stages"><text x="242" y="44" font-size="11" fill="#64748b">buyer stage</text>';
		IF n > 0 THEN
			svg := svg || format('<line x1="%s" y1="58" x2="%s" y2="58" stroke="#94a3b8" stroke-width="2"/>',
				CASE WHEN n = 1 THEN 390 ELSE 262 END, CASE WHEN n = 1 THEN 390 ELSE 520 END);
		END IF;
		FOR i IN 1 .. n LOOP
			x := CASE WHEN n = 1 THEN 390 ELSE 262 + (258 * (i - 1)) / (n - 1) END;
			svg := svg || CASE WHEN model.stages[i] = m ->> 'stage'
				THEN format('<circle class="current" cx="%s" cy="58" r="8" fill="#1d4ed8"/>'
					'<text x="%s" y="82" font-size="11" font-weight="bold" fill="#1d4ed8" text-anchor="middle">%s</text>',
					x, x, leadscore._svg_text(model.stages[i], greatest(6, 40 / n)))
				ELSE format('<circle cx="%s" cy="58" r="6" fill="#ffffff" stroke="#94a3b8" stroke-width="2"/>'
					'<text x="%s" y="82" font-size="11" fill="#475569" text-anchor="middle">%s</text>',
					x, x, leadscore._svg_text(model.stages[i], greatest(6, 40 / n))) END;
		END LOOP;
		svg := svg || CASE WHEN m ->> 'stage' IS NULL
			THEN '<text x="312" y="44" font-size="11" fill="#64748b">none reached yet</text>' ELSE '' END || '</g>';
		-- The top reasons: rule, points now, and a bar of the share of the
		-- score (negative rules in red; a share above 1 when negative rules
		-- pull the score down is drawn full).
		svg := svg || format('<g class="reasons"><text x="14" y="106" font-size="11" fill="#64748b">top reasons: points now, share of the score</text>'
			'<text class="activities" x="562" y="106" font-size="11" fill="#64748b" text-anchor="end">%s activit%s%s</text>',
			m ->> 'activities', CASE WHEN m ->> 'activities' = '1' THEN 'y' ELSE 'ies' END,
			CASE WHEN m ->> 'last_activity_at' IS NOT NULL
				THEN ', the last on ' || left(m ->> 'last_activity_at', 10) ELSE '' END);
		i := 0;
		FOR r IN SELECT e FROM jsonb_array_elements(m -> 'top_reasons') e LOOP
			share := coalesce((r ->> 'share')::float8, 0);
			svg := svg || format('<text x="14" y="%s" font-size="12">%s</text>'
				'<rect x="230" y="%s" width="%s" height="12" rx="2" fill="%s"/>'
				'<text x="%s" y="%s" font-size="12">%s%s pts &#183; %s %%</text>',
				124 + 20 * i, leadscore._svg_text(r ->> 'rule', 30),
				114 + 20 * i, round(200 * least(abs(share), 1)), CASE WHEN share < 0 THEN '#dc2626' ELSE '#3b82f6' END,
				238 + round(200 * least(abs(share), 1)), 124 + 20 * i,
				CASE WHEN (r ->> 'points_now')::float8 > 0 THEN '+' ELSE '' END,
				round((r ->> 'points_now')::numeric, 1), round(100 * share::numeric));
			i := i + 1;
		END LOOP;
		IF i = 0 THEN
			svg := svg || '<text x="14" y="124" font-size="12" fill="#64748b">no activity counts</text>';
		END IF;
		svg := svg || '</g>';
		svg := svg || format('<text class="account" x="14" y="%s" font-size="11">%s</text></g>', card_height - 14,
			CASE WHEN m -> 'account' IS NULL OR jsonb_typeof(m -> 'account') = 'null' THEN 'no account'
			ELSE format('account %s: score %s from %s engaged lead%s%s', leadscore._svg_text(m -> 'account' ->> 'account_id', 16),
				round((m -> 'account' ->> 'score')::numeric, 1), m -> 'account' ->> 'engaged_leads',
				CASE WHEN m -> 'account' ->> 'engaged_leads' = '1' THEN '' ELSE 's' END,
				CASE WHEN model.account_threshold IS NOT NULL
					THEN format(', %s (threshold %s)', m -> 'account' ->> 'status', model.account_threshold) ELSE '' END) END);
		y := y + card_height + 12;
	END LOOP;
	IF jsonb_array_length(d -> 'models') = 0 THEN
		svg := '<text x="12" y="100" font-size="13" fill="#64748b">no score in any model</text>';
		y := y + 36;
	END IF;
	RETURN format('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="%s" viewBox="0 0 600 %s" '
		'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" role="img">'
		'<title>Lead DNA of %s</title><rect width="600" height="%s" fill="#ffffff"/>'
		'<text class="lead" x="12" y="28" font-size="18" font-weight="bold">Lead %s</text>'
		'<text class="attributes" font-size="11" fill="#475569">%s</text>%s</svg>',
		y, y, leadscore._svg_text(d ->> 'lead_id', 200), y, leadscore._svg_text(d ->> 'lead_id', 60),
		coalesce(attrs, '<tspan x="12" y="50">no lead row</tspan>'), svg);
END $$;
COMMENT ON FUNCTION leadscore.dna_svg(anyelement) IS
	'dna() as a self-contained SVG, 600 px wide: per model score, grade, band and channel, buyer stage on the stage line, status, top reasons with their share, the account''s score';
