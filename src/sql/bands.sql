-- Score bands (README, "Bands, channels and labels"): named ranges of a
-- model's score, each with the sales or communication channel that fits
-- it.  After models.sql, whose _model_id() it uses; before scores.sql,
-- whose lead_scores reads them.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- A lead is in the highest band whose min_score its current score reaches;
-- the band without one is the floor.  Minimums are finite and not
-- negative: decay only ever moves a score toward 0, so a lead then only
-- ever falls out of a band by decay (tick() reports it), never into one.
CREATE TABLE leadscore.bands (
	model_id integer NOT NULL REFERENCES leadscore.models (id) ON DELETE CASCADE,
	name text NOT NULL,
	min_score float8 CHECK (min_score >= 0 AND min_score < 'Infinity'),  -- NULL: the floor
	channel text,
	PRIMARY KEY (model_id, name),
	UNIQUE NULLS NOT DISTINCT (model_id, min_score)
);

-- The index of a lead's band among `min_scores` (a model's, ascending,
-- -Infinity for the floor; 1-based; NULL for none), from its stored sum as
-- lead_scores reads it: core::BandOf (src/pg/admin/admin_functions.cpp).
-- max_score NaN: none.
CREATE FUNCTION leadscore.band_of(stored float8, weight float8, min_scores float8[], max_score float8)
	RETURNS integer AS 'MODULE_PATHNAME', 'leadscore_band_of' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Every record of the model advanced to its state now (events with cause
-- rescore): the bands it holds and when decay next moves it down one.
CREATE FUNCTION leadscore._refresh_lifecycle(model_id integer) RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_refresh_lifecycle' LANGUAGE C;

-- Writers load the new bands; every record learns its band.
CREATE FUNCTION leadscore._bands_changed(mid integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	UPDATE leadscore.models SET version = version + 1 WHERE id = mid;
	PERFORM leadscore._invalidate();
	PERFORM leadscore._refresh_lifecycle(mid);
END $$;

CREATE FUNCTION leadscore.add_band(model text, name text, min_score float8, channel text DEFAULT NULL)
	RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
	other text;
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'a band needs a name, not NULL' USING ERRCODE = '22004';
	END IF;
	IF name = '' THEN
		RAISE EXCEPTION 'a band name must not be empty' USING ERRCODE = '22023';
	END IF;
	IF min_score = 'NaN' OR min_score IN ('Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'min_score of band "%" must be finite, not %', name, min_score USING ERRCODE = '22023';
	END IF;
	IF min_score < 0 THEN
		RAISE EXCEPTION 'min_score of band "%" must not be negative, not %', name, min_score
			USING ERRCODE = '22023',
			HINT = 'Decay moves a negative score up toward 0; the floor (min_score NULL) holds those leads.';
	END IF;
	PERFORM 1 FROM leadscore.models m WHERE m.id = mid FOR UPDATE;
	IF EXISTS (SELECT 1 FROM leadscore.bands b WHERE b.model_id = mid AND b.name = add_band.name) THEN
		RAISE EXCEPTION 'band "%" already exists in model "%"', name, model USING ERRCODE = '42710';
	END IF;
	SELECT b.name INTO other FROM leadscore.bands b
	WHERE b.model_id = mid AND b.min_score IS NOT DISTINCT FROM add_band.min_score;
	IF other IS NOT NULL THEN
		RAISE EXCEPTION 'band "%" of model "%" already has min_score %', other, model,
			coalesce(min_score::text, 'NULL (the floor)') USING ERRCODE = '42710';
	END IF;
	INSERT INTO leadscore.bands (model_id, name, min_score, channel) VALUES (mid, name, min_score, channel);
	PERFORM leadscore._bands_changed(mid);
END $$;

CREATE FUNCTION leadscore.remove_band(model text, name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	mid integer := leadscore._model_id(model);
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'a band name is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	DELETE FROM leadscore.bands b WHERE b.model_id = mid AND b.name = remove_band.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'band "%" does not exist in model "%"', name, model USING ERRCODE = '42704';
	END IF;
	PERFORM leadscore._bands_changed(mid);
END $$;
