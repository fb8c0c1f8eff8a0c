/* Private to server/store_backtest*.c: the CTE of the changes effective in a window with their
 * current values, which the backtest's rows and the register summary both read. */
#ifndef RATCHET_STORE_SCOPE_H
#define RATCHET_STORE_SCOPE_H

/* Changes of service $1 (NULL: all) with their current effective_at and impact (the latest
 * amendment that sets each) effective in [$2, $3) with an impact among $4 (text[]): the CTE
 * "scope" (id, service, key, review, eff, impact). Changes never amended are read from their
 * own columns, so the planner sees the real row counts (a coalesce over every change hides
 * them, and a million index probes follow); the amended ones are few. */
#define CURRENT_CTE                                                                                \
	"WITH am_eff AS (SELECT DISTINCT ON (change_id) change_id, effective_at"                   \
	"  FROM change_amendments WHERE effective_at IS NOT NULL ORDER BY change_id, id DESC),"    \
	" am_imp AS (SELECT DISTINCT ON (change_id) change_id, impact"                             \
	"  FROM change_amendments WHERE impact IS NOT NULL ORDER BY change_id, id DESC),"          \
	" amended AS (SELECT c.id, c.service, c.key, c.review,"                                    \
	"  coalesce(e.effective_at, c.effective_at) AS eff,"                                       \
	"  coalesce(m.impact, c.impact) AS impact"                                                 \
	"  FROM changes c JOIN (SELECT DISTINCT change_id FROM change_amendments) a"               \
	"  ON a.change_id = c.id LEFT JOIN am_eff e ON e.change_id = c.id"                         \
	"  LEFT JOIN am_imp m ON m.change_id = c.id"                                               \
	"  WHERE c.state = 'effective' AND ($1::text IS NULL OR c.service = $1)),"                 \
	" scope AS MATERIALIZED (SELECT c.id, c.service, c.key, c.review, c.effective_at AS eff,"  \
	"  c.impact FROM changes c WHERE c.state = 'effective'"                                    \
	"  AND ($1::text IS NULL OR c.service = $1)"                                               \
	"  AND c.effective_at >= $2::timestamptz AND c.effective_at < $3::timestamptz"             \
	"  AND c.impact = ANY($4::text[])"                                                         \
	"  AND NOT EXISTS (SELECT 1 FROM change_amendments a WHERE a.change_id = c.id)"            \
	"  UNION ALL SELECT * FROM amended WHERE eff >= $2::timestamptz AND eff < $3::timestamptz" \
	"  AND impact = ANY($4::text[]))"

#endif
