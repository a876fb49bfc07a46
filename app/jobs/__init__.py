"""Jobs a recruiter hires for."""
