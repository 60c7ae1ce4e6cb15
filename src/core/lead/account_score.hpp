// Account scores (docs/design.md, "Account scores"): several people of one
// company acting on related themes signal a buying project, and breadth
// matters as much as volume.
//
// An account's score is the sum over its leads of sqrt(R * s), where s is
// the lead's current score (negative scores count as 0) and R the model's
// MQL threshold: a lead exactly at MQL adds MQL points to its account, and a
// lead with four times the score adds only twice as much.  Five people at 40
// points each (two 20-point whitepapers) give 5 * sqrt(50 * 40) = 224; one
// person at 200 points (ten of them) gives sqrt(50 * 200) = 100: the buying
// group outranks the binge reader, as it should, while one hot lead still
// makes a warm account.
//
// The square root keeps decay exact and cheap.  A lead's score is
// stored * 2^(-(t - E)/h), so sqrt(R * score) = sqrt(R * stored) *
// 2^(-(t - E)/(2h)): the account keeps the sum of sqrt(R * stored) over its
// leads, an epoch-relative sum that decays with half-life 2h, and everything
// the lead machinery does (current score, index order = current order,
// stored thresholds, which tick()'s sweep of hot accounts compares with)
// works on it through AccountModel().
// Stages the same way, with R = the stage minimum: one lead alone puts its
// account in a stage exactly when it is in that stage itself.
//
// Writers keep the sums by adding, per lead they change, the new term minus
// the old one; rescore() recomputes them, and verify() compares with a
// tolerance (the sums are re-added floats, not a recompute).
#pragma once

#include "core/model/scoring_model.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace leadscore::core {

// The lead model's account counterpart: half-life doubled, the status
// threshold `account_threshold` (NaN: accounts have no status) as its MQL
// threshold and no SQL threshold, the same stages and stage minimum.  Its
// stored sums are AccountState's.
ModelSpec AccountModel(const ModelSpec &lead_model, double account_threshold);

// What one lead contributes to its account.
struct AccountShare {
	double stored = 0;
	std::vector<double> stages;
	std::int64_t members = 0; // 1 when the lead has matching activity
};

// The share of a lead with stored sum `stored`, stage sums `stages`
// (`stage_count` of them) and `activity_count` matching activities.
AccountShare LeadShare(const ModelSpec &lead_model, double stored, const double *stages, std::size_t stage_count,
                       std::int64_t activity_count);

// Adds `sign` * share to `total` (sized for the model's stages first).
void AddShare(const AccountShare &share, int sign, AccountShare *total);

} // namespace leadscore::core
