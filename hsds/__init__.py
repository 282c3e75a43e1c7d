"""The directory in Open Referral's Human Services Data Specification (HSDS) 3.0 shapes, under
/hsds/: each member as an organization and its case intake as a service. hsds imports only
directory and core."""
