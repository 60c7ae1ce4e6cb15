// What rescore() tells whoever runs it while it reads the history: NOTICEs,
// at most every leadscore.progress_interval, with the leads and rows done,
// the share of the estimated total and the time left to read, and two at
// the end (read, done) when any came before.  The figures that vary from
// run to run (share, time) go in the DETAIL, so a test with VERBOSITY terse
// sees fixed lines.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace leadscore::pg {

// Registers leadscore.progress_interval; from _PG_init.
void RegisterRescoreProgress();

class RescoreProgress {
public:
	// `estimated_rows`: the history's size from the catalog, < 0 when not
	// known.
	RescoreProgress(std::string model, double estimated_rows);

	// The exact number of leads, when it is known before they are read:
	// then the share is of the leads.
	void KnowLeads(std::int64_t total) {
		total_leads_ = total;
	}

	void Row() {
		rows_++;
	}
	// After each written batch of leads.
	void Batch(std::int64_t leads_done);
	// After the last batch, and after the model's grades and lifecycle,
	// which take up to about half as long again (3M rows: 23 s, then 11 s).
	void Read(std::int64_t leads_done);
	void Done(std::int64_t leads_done);

private:
	double Share(std::int64_t leads_done) const;
	void Final(std::int64_t leads_done, const char *what);
	void Report(const std::string &message, const std::string &detail);

	std::string model_;
	double estimated_rows_;
	std::int64_t total_leads_ = -1;
	std::int64_t rows_ = 0;
	std::chrono::steady_clock::time_point start_, last_;
	bool reported_ = false;
};

} // namespace leadscore::pg
