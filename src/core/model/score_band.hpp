// Score bands (README, "Bands, channels and labels"): named ranges of a
// model's score, each with the sales or communication channel that fits
// it.  A lead is in the highest band whose min_score its current score
// reaches; a band without a minimum is the floor.  The bands of a model
// are its ModelSpec's, ascending by min_score (the floor first).
#pragma once

#include <limits>
#include <string>

namespace leadscore::core {

// The floor's min_score: every score reaches it.
constexpr double kFloorMinScore = -std::numeric_limits<double>::infinity();

struct ScoreBand {
	std::string name;
	double min_score = kFloorMinScore;
	std::string channel; // empty: none
};

// No band: below every band of a model without a floor, or a model without
// bands.
constexpr int kNoBand = -1;

} // namespace leadscore::core
