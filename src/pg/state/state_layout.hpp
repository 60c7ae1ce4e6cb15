// Which layout leadscore.lead_state has.  0.3 gave it what its indexes read
// instead of columns that change with every activity (score_rank, due_hint:
// state_tables.sql): a server that installed the 0.3 library still runs
// 0.2's tables until ALTER EXTENSION leadscore UPDATE, and must keep scoring
// the CRM's writes meanwhile, so every statement that writes those columns
// asks first.
#pragma once

namespace leadscore::pg {

// Whether lead_state has 0.3's columns; a catalog lookup after any change
// to lead_state, else a cached answer.  C++ side.
bool HotStateLayout();

} // namespace leadscore::pg
