// Buyer stage (docs/design.md, "Stages"): a lead's stage is the furthest
// stage of the model's buying journey whose decayed stage points reach the
// model's stage_min_points, even when an earlier stage has more points: a
// lead that scores on decision content has begun deciding, however much
// awareness content it read before.  No stage qualifies: no stage (SQL NULL).
//
// The minimum keeps one stray touch months ago from holding a lead in a
// stage.  Its default, kDefaultStageMinPoints = 10 (scoring_model.hpp), sits
// between the light and the mid-funnel weights of a typical model (docs/
// design.md, "The domain"): a 5-point blog read alone never qualifies, two
// of them recently do; a 20-point whitepaper download qualifies for one
// half-life (30 days by default), a 35-point pricing view for 1.8
// half-lives, and then the lead drops back out unless it acts again.
// Without decay stages never cool, as scores don't.
//
// Stage points are kept as stored (epoch-relative) sums, one per stage, like
// the score (core/model/decay.hpp), so the test is a comparison of stored
// sums with one stored threshold.  When decay alone will change the stage is
// worked out ahead, as the lead's due_at (core/lead/lead_lifecycle.hpp).
#pragma once

#include "core/model/decay.hpp"
#include "core/model/scoring_model.hpp"

#include <cstddef>
#include <cstdint>

namespace leadscore::core {

// The index of the lead's stage at `now`, or kNoStage.  `stage_stored` has
// one stored sum per stage of the model (n may be shorter: missing sums are
// 0, e.g. from a state written before a stage was added).
int StageAt(const ModelSpec &model, const double *stage_stored, std::size_t n, std::int64_t now) noexcept;

} // namespace leadscore::core
