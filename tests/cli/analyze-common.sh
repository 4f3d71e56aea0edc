# tests/cli/analyze-common.sh: what the analyze tests share (sourced after
# tests/lib.sh): the tools, the input header, a valid row, report names.
TOOLS="analyze-sales analyze-customers analyze-products"
HDR='invoice_no,stock_code,quantity,invoice_date,unit_price,customer_id,line_total,customer_name,country,segment,signup_date,description,category,unit_cost'
ROW='536365,85123A,6,2010-12-01T08:26:00,2.55,12346,15.30,"Smith, John",United Kingdom,Retail,2010-01-15,WHITE HANGING HEART T-LIGHT HOLDER,Home,1.20'

# report_of TOOL: the file name of its report
report_of() {
	case $1 in
	analyze-sales) echo sales_report.csv ;;
	analyze-customers) echo customer_report.csv ;;
	analyze-products) echo product_report.csv ;;
	esac
}
