"""Planning: demand forecasting and forecast accuracy."""
