// rescore()'s progress NOTICEs.  See rescore_progress.hpp.
#include "pg/maintenance/rescore_progress.hpp"

#include "pg/boundary/guard.hpp"

extern "C" {
#include "utils/guc.h"
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace leadscore::pg {
namespace {

// Seconds between NOTICEs; 0: after every batch; -1: none.
int progress_interval = 5;

std::string Seconds(double s) {
	char buf[32];
	std::snprintf(buf, sizeof buf, "%.1f s", s);
	return buf;
}

} // namespace

void RegisterRescoreProgress() {
	DefineCustomIntVariable("leadscore.progress_interval",
	                        "Seconds between rescore()'s progress NOTICEs (0: after every batch, -1: none).", nullptr,
	                        &progress_interval, 5, -1, 86400, PGC_USERSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
}

RescoreProgress::RescoreProgress(std::string model, double estimated_rows)
    : model_(std::move(model)), estimated_rows_(estimated_rows), start_(std::chrono::steady_clock::now()), last_(start_) {}

// Of the rows, or of the leads when their number is known; < 0: unknown.
// Never 1 before the end: the catalog's estimate may be short.
double RescoreProgress::Share(std::int64_t leads_done) const {
	double share = -1;
	if (total_leads_ >= 0)
		share = total_leads_ == 0 ? 0 : static_cast<double>(leads_done) / static_cast<double>(total_leads_);
	else if (estimated_rows_ > 0)
		share = static_cast<double>(rows_) / estimated_rows_;
	return share < 0 ? share : std::min(share, 0.99);
}

void RescoreProgress::Batch(std::int64_t leads_done) {
	if (progress_interval < 0)
		return;
	auto now = std::chrono::steady_clock::now();
	if (now - last_ < std::chrono::seconds(progress_interval))
		return;
	last_ = now;
	double elapsed = std::chrono::duration<double>(now - start_).count();
	double share = Share(leads_done);
	std::string detail;
	if (share <= 0) {
		detail = "the total is not known (ANALYZE the attached tables for an estimate); " + Seconds(elapsed) + " so far";
	} else {
		char buf[128];
		std::snprintf(buf, sizeof buf, "%.0f%% of about %.0f %s; about %s of reading left", share * 100,
		              total_leads_ >= 0 ? static_cast<double>(total_leads_) : estimated_rows_,
		              total_leads_ >= 0 ? "leads" : "rows", Seconds(elapsed * (1 - share) / share).c_str());
		detail = buf;
	}
	std::string rows = total_leads_ >= 0 ? "" : ", " + std::to_string(rows_) + " rows";
	Report("leadscore.rescore(): model \"" + model_ + "\": " + std::to_string(leads_done) + " leads" + rows + " read",
	       detail);
}

void RescoreProgress::Read(std::int64_t leads_done) {
	Final(leads_done, " read; grades and lifecycle next");
}

void RescoreProgress::Done(std::int64_t leads_done) {
	Final(leads_done, " done");
}

// Only after a NOTICE of Batch(): a rescore quicker than the interval says
// nothing.
void RescoreProgress::Final(std::int64_t leads_done, const char *what) {
	if (progress_interval < 0 || (!reported_ && progress_interval > 0))
		return;
	double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
	std::string rows = total_leads_ >= 0 ? "" : ", " + std::to_string(rows_) + " rows";
	Report("leadscore.rescore(): model \"" + model_ + "\": " + std::to_string(leads_done) + " leads" + rows + what,
	       "in " + Seconds(elapsed));
}

void RescoreProgress::Report(const std::string &message, const std::string &detail) {
	reported_ = true;
	CallPg([&] { ereport(NOTICE, (errmsg("%s", message.c_str()), errdetail("%s", detail.c_str()))); });
}

} // namespace leadscore::pg
