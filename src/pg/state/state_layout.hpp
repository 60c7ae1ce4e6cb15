// Which layout leadscore.lead_state has.  0.3 gave it tick()'s due_hint
// (and score_rank, which PostgreSQL computes): a server that installed the
// 0.3 library still runs 0.2's tables until ALTER EXTENSION leadscore
// UPDATE, and must keep scoring the CRM's writes meanwhile, so every
// statement that writes due_hint asks first.
#pragma once

namespace leadscore::pg {

// Whether lead_state has due_hint; a catalog lookup after any change to
// lead_state, else a cached answer.  C++ side.
bool StateHasDueHint();

} // namespace leadscore::pg
