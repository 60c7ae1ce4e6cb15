// Reading the configuration tables (leadscore.models, rules, attachments)
// and an attached table's columns into the core's types.  Needs an SPI
// connection.
#pragma once

#include "pg/boundary/postgres_headers.hpp"
#include "pg/catalog/attached_table.hpp"

#include "core/condition/condition.hpp"
#include "core/model/grade_profile.hpp"
#include "core/model/scoring_model.hpp"
#include "pg/spi/spi_query.hpp"

#include <string>
#include <vector>

namespace leadscore::pg {

// The columns of leadscore.rules (alias r) that RuleFromRow reads, in its
// order: the one list of what a rule is, for every reader of the table.
extern const char *const kRuleColumns;

// A rule of `model` from the columns kRuleColumns names, starting at row
// column `first`.
core::RuleSpec RuleFromRow(const core::ModelSpec &model, const TextRow &row, std::size_t first);

// Every model with its rules, by id.
std::vector<core::ModelSpec> LoadModels();

// The activity attachment of `relid`; false when it has none.
bool LoadActivityTable(Oid relid, ActivityTable *table);

// Every attached activity table.
std::vector<ActivityTable> LoadActivityTables();

// The lead attachment of `relid`; false when it has none.
bool LoadLeadTable(Oid relid, LeadTable *table);

// Every attached lead table.
std::vector<LeadTable> LoadLeadTables();

// Every grade profile with its criteria, by id.
std::vector<core::GradeProfileSpec> LoadGradeProfiles();

} // namespace leadscore::pg
